/**
 * The translator plug-in point: one small interface, one implementation per kernel
 * language in `translators/`, chosen by {@link createTranslatorRegistry}.
 */
import { ParameterError } from '../errors.js';
import { validateParameters, type ParameterValue } from './values.js';

/**
 * Turns parameter values into literal code of one kernel language. `assign` must produce
 * code that the kernel evaluates back to exactly `value`, never interpreting any string
 * (no interpolation, no code injection), or throw a ParameterError saying why it cannot.
 */
export interface Translator {
  /** Display name of the language, used in messages, e.g. `Python`. */
  readonly language: string;
  /** Language names it serves (`language_info.name` / kernelspec language), lower-case. */
  readonly languages: readonly string[];
  /** Kernelspec names it serves, matched before languages, e.g. `ir`. */
  readonly kernelNames?: readonly string[];
  /** One statement that sets variable `name` to `value`. */
  assign(name: string, value: ParameterValue): string;
  /** A one-line comment holding `text`. */
  comment(text: string): string;
}

/**
 * The source of an injected-parameters cell: a `Parameters` comment, then one
 * assignment per parameter in the order given.
 * @example renderParameters(pythonTranslator, { n: 2 }) // '# Parameters\nn = 2\n'
 */
export function renderParameters(translator: Translator, params: Record<string, unknown>): string {
  const values = validateParameters(params);
  const lines = [translator.comment('Parameters')];
  for (const [name, value] of Object.entries(values)) lines.push(translator.assign(name, value));
  return lines.join('\n') + '\n';
}

/**
 * Throws a ParameterError unless `name` matches `pattern` and is not a reserved word.
 * @example checkIdentifier('Python', 'class', /^[A-Za-z_]\w*$/, new Set(['class'])) // throws
 */
export function checkIdentifier(language: string, name: string, pattern: RegExp, reserved: ReadonlySet<string> = new Set()): void {
  if (!pattern.test(name)) {
    throw new ParameterError(`parameter name ${JSON.stringify(name)} is not a valid ${language} variable name`);
  }
  if (reserved.has(name)) {
    throw new ParameterError(`parameter name ${JSON.stringify(name)} is a reserved word in ${language}`);
  }
}

/** A ParameterError for a value a language cannot hold exactly. */
export function unrepresentable(language: string, where: string, why: string): ParameterError {
  return new ParameterError(`parameter ${where}: ${why} — ${language} cannot hold it exactly`);
}
