/**
 * Library errors name options as the API does (`gatewayToken`, `stopTimeout`) and carry
 * `hint.option`; the CLI shows them as its flags (`--gateway-token`, `--stop-timeout`).
 * Loaded only when an error is printed.
 */
import type { NbrunError } from '@nbrun/core';
import { driverNames, driverOptionsSchema, optionFlag } from '@nbrun/drivers';

/** Options whose flag is not their kebab-case name. */
const FLAG_OF: Record<string, string> = {
  dependencies: 'deps',
  memoryBytes: 'memory',
  cellTimeoutSeconds: 'execution-timeout',
  runTimeoutSeconds: 'run-timeout',
  startTimeoutSeconds: 'start-timeout',
  startTimeoutMs: 'start-timeout',
  inputs: 'input',
};

/** camelCase names of the submit request and the gateway, which messages may mention beside the hint. */
const COMMON_OPTIONS = [
  'allowOutside', 'includeRunner', 'jobId', 'memoryBytes', 'cellTimeoutSeconds', 'runTimeoutSeconds', 'startTimeoutSeconds',
  'allowErrors', 'logOutput', 'gatewayUrl', 'gatewayToken',
];

/** The flag of an option: `gatewayToken` → `--gateway-token`. */
export function flagFor(option: string): string {
  return `--${FLAG_OF[option] ?? optionFlag(option)}`;
}

/**
 * The message of an error as the CLI prints it: the hinted option, and any other multi-word
 * option it mentions, as flags; `driver NAME` as `--driver NAME`.
 * @example cliMessage(new UsageError("stopTimeout must be …, got 'soon'", { hint: { option: 'stopTimeout' } })) // "--stop-timeout must be …"
 */
export function cliMessage(err: NbrunError): string {
  if (!err.hint) return err.message;
  const drivers = driverNames().map((d) => d.name);
  const names = new Set([err.hint.option, ...COMMON_OPTIONS]);
  for (const d of drivers) for (const option of Object.keys(driverOptionsSchema(d).properties)) if (/[A-Z]/.test(option)) names.add(option);
  return err.message
    .replace(/(?<![\w$.\-/'])[A-Za-z][A-Za-z0-9]*(?![\w\-/'])/g, (word) => (names.has(word) ? flagFor(word) : word))
    .replace(new RegExp(`(?<![\\w-])driver (${drivers.join('|')})\\b`, 'g'), '--driver $1');
}
