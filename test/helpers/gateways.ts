/**
 * The two ways an end-to-end test reaches kernels: the embedded gateway (the default:
 * kernels on this machine over ZeroMQ) and the remote one (the Jupyter Server that
 * vitest's global setup started), as API options and as CLI flags.
 */
import { inject } from 'vitest';
import type { RunOptions } from '@nbrun/core';

export interface GatewayCase {
  name: 'embedded' | 'remote';
  /** Extra `runNotebook` options selecting the gateway. */
  options: Pick<RunOptions, 'gateway'>;
  /** Extra `nbrun run` flags selecting the gateway. */
  flags: string[];
}

/**
 * Both gateways, for `describe.each`. Call inside a test file (uses `inject`).
 * @example describe.each(gatewayCases())('on the $name gateway', ({ options }) => { ... })
 */
export function gatewayCases(): GatewayCase[] {
  const url = inject('jupyterUrl');
  const token = inject('jupyterToken');
  return [
    { name: 'embedded', options: {}, flags: [] },
    { name: 'remote', options: { gateway: { url, token } }, flags: ['--gateway-url', url, '--gateway-token', token] },
  ];
}
