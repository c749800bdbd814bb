import { describe, expect, it } from 'vitest';
import { UsageError } from '@nbrun/core';
import { gpuDeviceRequests, nanoCpus, parseCpus, parseGpus, parseMemory } from '../../../src/backends/docker/resources.js';

describe('parseMemory', () => {
  it.each([
    ['512m', 512 * 1024 ** 2],
    ['2g', 2 * 1024 ** 3],
    ['2G', 2 * 1024 ** 3],
    ['1.5g', 1.5 * 1024 ** 3],
    ['64mb', 64 * 1024 ** 2],
    ['1Gi', 1024 ** 3],
    ['10485760', 10485760],
    ['8192k', 8 * 1024 ** 2],
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseMemory(text)).toBe(bytes);
  });

  it.each([['lots', /must be a size like 512m/], ['-1g', /must be a size/], ['1x', /must be a size/], ['1k', /below Docker's minimum of 6m/]])(
    'refuses %s',
    (text, message) => {
      expect(() => parseMemory(text)).toThrow(UsageError);
      expect(() => parseMemory(text)).toThrow(message);
    },
  );
});

describe('parseCpus and parseGpus', () => {
  it.each([['1', 1], ['1.5', 1.5], ['.5', 0.5]])('cpus %s → %d', (text, n) => {
    expect(parseCpus(text)).toBe(n);
  });
  it.each(['0', '-1', 'two', ''])('refuses cpus %j', (text) => {
    expect(() => parseCpus(text)).toThrow(/^cpus must be a positive number of cores/);
  });
  it.each([['1', 1], ['4', 4], ['all', 'all']])('gpus %s → %j', (text, n) => {
    expect(parseGpus(text)).toBe(n);
  });
  it.each(['0', '1.5', 'some', '-2'])('refuses gpus %j', (text) => {
    expect(() => parseGpus(text)).toThrow(/^gpus must be a number of GPUs \(1, 2, …\) or 'all'/);
  });
});

describe('gpuDeviceRequests', () => {
  it.each([
    [undefined, undefined],
    [1, [{ Driver: '', Count: 1, Capabilities: [['gpu']], Options: {} }]],
    ['all' as const, [{ Driver: '', Count: -1, Capabilities: [['gpu']], Options: {} }]],
  ])('%j → %j (as docker run --gpus sends)', (gpus, expected) => {
    expect(gpuDeviceRequests(gpus)).toEqual(expected);
  });

  it('turns cores into NanoCpus', () => {
    expect(nanoCpus(0.25)).toBe(250_000_000);
  });
});
