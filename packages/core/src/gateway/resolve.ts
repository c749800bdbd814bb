/** Picks the gateway for a run: the one given, a remote one from a URL, or the embedded default. */
import type { RemoteGatewayOptions } from '../execute/types.js';
import { createEmbeddedGateway } from './embedded/gateway.js';
import { createRemoteGateway } from './remote/lazy.js';
import type { Gateway } from './types.js';

export function isGateway(value: unknown): value is Gateway {
  return typeof (value as Gateway | undefined)?.startKernel === 'function';
}

/** `owned` is true when the caller must dispose the gateway after the run. */
export function resolveGateway(option: Gateway | RemoteGatewayOptions | undefined): { gateway: Gateway; owned: boolean } {
  if (isGateway(option)) return { gateway: option, owned: false };
  if (option) return { gateway: createRemoteGateway(option), owned: true };
  return { gateway: createEmbeddedGateway(), owned: true };
}
