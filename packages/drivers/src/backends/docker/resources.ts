/**
 * Resource flags as the Docker Engine API wants them: `--cpus` → NanoCpus, `--memory`
 * (`512m`, `2g`) → bytes, `--gpus N|all` → HostConfig.DeviceRequests, exactly as
 * `docker run --gpus` sends them (Driver "", Count N or -1 for all, Capabilities [["gpu"]]).
 */
import { UsageError } from '@nbrun/core';
import type { GpuRequest } from '../../types.js';

/** The hint of a resource error: the option named in the message (`memory`, or a caller's own name). */
function hintOf(name: string): { hint: { option: string } } {
  return { hint: { option: name.replace(/^-+/, '') } };
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * Parses a memory size like docker's `--memory`: a number of bytes with an optional unit
 * `b`, `k`, `m`, `g`, `t` (binary multiples; `kb`/`mb`/`gb`/`ki`/`mi`/`gi` accepted too).
 * @example parseMemory('512m') // 536870912
 */
export function parseMemory(value: string, flag = 'memory'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtb]?)(?:i?b|i)?\s*$/i.exec(value);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${flag} must be a size like 512m or 2g, got '${value}'`, hintOf(flag));
  const bytes = Math.round(Number(m[1]) * unit);
  if (bytes < 6 * 1024 * 1024) throw new UsageError(`${flag} ${value} is below Docker's minimum of 6m`, hintOf(flag));
  return bytes;
}

/**
 * Parses `--cpus` (cores, fractions allowed).
 * @example parseCpus('1.5') // 1.5
 */
export function parseCpus(value: string, flag = 'cpus'): number {
  const n = Number(value);
  if (!/^\s*\d*\.?\d+\s*$/.test(value) || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive number of cores, got '${value}'`, hintOf(flag));
  }
  return n;
}

/**
 * Parses `--gpus`: a positive count or `all`.
 * @example parseGpus('all') // 'all'
 */
export function parseGpus(value: string, flag = 'gpus'): GpuRequest {
  if (value.trim() === 'all') return 'all';
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a number of GPUs (1, 2, …) or 'all', got '${value}'`, hintOf(flag));
  }
  return n;
}

/** One entry of HostConfig.DeviceRequests (Docker Engine API). */
export interface DeviceRequest {
  Driver: string;
  Count: number;
  DeviceIDs?: string[];
  Capabilities: string[][];
  Options: Record<string, string>;
}

/**
 * The DeviceRequests `docker run --gpus` would send.
 * @example gpuDeviceRequests(2) // [{ Driver: '', Count: 2, Capabilities: [['gpu']], Options: {} }]
 */
export function gpuDeviceRequests(gpus: GpuRequest | undefined): DeviceRequest[] | undefined {
  if (gpus === undefined) return undefined;
  return [{ Driver: '', Count: gpus === 'all' ? -1 : gpus, Capabilities: [['gpu']], Options: {} }];
}

/**
 * NanoCpus for a number of cores.
 * @example nanoCpus(1.5) // 1500000000
 */
export function nanoCpus(cpus: number): number {
  return Math.round(cpus * 1e9);
}
