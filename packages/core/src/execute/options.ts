/** Checks run options up front, with messages that name the option and the bad value. */
import { UsageError } from '../errors.js';
import type { RunOptions } from './types.js';

function checkMs(name: keyof RunOptions, value: unknown, allowZero = false): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UsageError(`option ${name} must be a positive number of milliseconds, got ${JSON.stringify(value)}`);
  }
}

export function checkRunOptions(options: RunOptions): void {
  if (options === null || typeof options !== 'object') throw new UsageError('options must be an object');
  checkMs('cellTimeoutMs', options.cellTimeoutMs);
  checkMs('startTimeoutMs', options.startTimeoutMs);
  checkMs('runTimeoutMs', options.runTimeoutMs);
  checkMs('autosaveIntervalMs', options.autosaveIntervalMs, true);
  if (options.kernelName !== undefined && (typeof options.kernelName !== 'string' || !options.kernelName)) {
    throw new UsageError(`option kernelName must be a non-empty string, got ${JSON.stringify(options.kernelName)}`);
  }
  if (options.largeOutputs !== undefined && options.largeOutputs !== 'memory' && options.largeOutputs !== 'file') {
    throw new UsageError(`option largeOutputs must be 'memory' or 'file', got ${JSON.stringify(options.largeOutputs)}`);
  }
  if (options.inputs !== undefined && (!Array.isArray(options.inputs) || options.inputs.some((v) => typeof v !== 'string'))) {
    throw new UsageError('option inputs must be an array of strings');
  }
  if (
    options.parameters !== undefined &&
    (options.parameters === null || typeof options.parameters !== 'object' || Array.isArray(options.parameters))
  ) {
    throw new UsageError('option parameters must be an object of name → value');
  }
  if (options.env !== undefined) {
    for (const [k, v] of Object.entries(options.env)) {
      if (typeof v !== 'string') throw new UsageError(`option env.${k} must be a string, got ${JSON.stringify(v)}`);
    }
  }
  const g = options.gateway as { url?: unknown; startKernel?: unknown } | undefined;
  if (g !== undefined && typeof g.startKernel !== 'function') {
    if (typeof g.url !== 'string') throw new UsageError('option gateway must be a Gateway or { url, token?, headers? }');
    try {
      const u = new URL(g.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    } catch {
      throw new UsageError(`option gateway.url must be an http(s) URL, got ${JSON.stringify(g.url)}`);
    }
  }
}
