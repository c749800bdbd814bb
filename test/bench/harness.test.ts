/**
 * The benchmark harness's own measuring tools, on real processes: peak memory of the main
 * process and of its tree, CPU time including reaped children, failures, and the pure
 * helpers behind the report (medians, verdicts, profile attribution). No timing assertions.
 */
import { describe, expect, it } from 'vitest';
import { MeasuredCommandError, measureProcess } from '../../bench/lib/measure.js';
import { summarizeProfile, type CpuProfile } from '../../bench/lib/profile.js';
import { verdict } from '../../bench/lib/report.js';
import { summarize } from '../../bench/lib/stats.js';

const PYTHON = '/usr/bin/python3';
const MIB = 1024;

/** Python code that touches `mib` MiB, holds it for a few samples, then exits. */
const holdMemory = (mib: number): string => `import time\nx = b'\\x01' * (${mib} << 20)\ntime.sleep(0.4)`;

describe('measureProcess', () => {
  it('reports the peak resident memory of the main process', async () => {
    const sample = await measureProcess(PYTHON, ['-c', holdMemory(150)]);
    expect(sample.exitCode).toBe(0);
    expect(sample.mainPeakKb).toBeGreaterThanOrEqual(150 * MIB);
    expect(sample.treePeakKb).toBeGreaterThanOrEqual(150 * MIB);
  });

  it('counts a child process in the tree but not in the main process', async () => {
    const parent = `import subprocess, sys\nsubprocess.run([sys.executable, '-c', ${JSON.stringify(holdMemory(150))}], check=True)`;
    const sample = await measureProcess(PYTHON, ['-c', parent]);
    expect(sample.mainPeakKb).toBeLessThan(100 * MIB);
    expect(sample.treePeakKb).toBeGreaterThanOrEqual(150 * MIB);
  });

  it("counts the CPU time of the children the main process reaped", async () => {
    const burn = 'import time\nwhile time.process_time() < 0.3: pass';
    const parent = `import subprocess, sys\nsubprocess.run([sys.executable, '-c', ${JSON.stringify(burn)}], check=True)`;
    const sample = await measureProcess(PYTHON, ['-c', parent]);
    expect(sample.cpuMs).toBeGreaterThanOrEqual(300);
    expect(sample.mainCpuMs).toBeLessThan(sample.cpuMs);
  });

  it('rejects with the exit code and the end of stderr when the command fails', async () => {
    const error = await measureProcess(PYTHON, ['-c', "import sys; sys.stderr.write('broken notebook'); sys.exit(3)"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeasuredCommandError);
    expect((error as MeasuredCommandError).sample.exitCode).toBe(3);
    expect((error as MeasuredCommandError).message).toContain('broken notebook');
  });
});

describe('summarize', () => {
  it.each([
    { values: [3, 1, 2], median: 2, min: 1, max: 3 },
    { values: [4, 1, 3, 2], median: 2.5, min: 1, max: 4 },
    { values: [7], median: 7, min: 7, max: 7 },
  ])('$values → median $median', ({ values, median, min, max }) => {
    expect(summarize(values)).toEqual({ median, min, max, n: values.length });
  });

  it('has no median without samples', () => {
    expect(summarize([]).n).toBe(0);
    expect(summarize([]).median).toBeNaN();
  });
});

describe('verdict', () => {
  it.each([
    { measured: 0.6, limit: 0.8, comparison: '<=' as const, text: '✅ met (25 % margin)' },
    { measured: 1.2, limit: 1.0, comparison: '<=' as const, text: '❌ MISSED by 20 %' },
    { measured: 4.5, limit: 3, comparison: '>=' as const, text: '✅ met (50 % margin)' },
    { measured: 1.5, limit: 3, comparison: '>=' as const, text: '❌ MISSED by 50 %' },
  ])('$measured $comparison $limit → $text', ({ measured, limit, comparison, text }) => {
    expect(verdict({ label: 'x', measured, limit, comparison, unit: 'ratio' })).toBe(text);
  });
});

describe('summarizeProfile', () => {
  it('charges whatever runs under the module loader to module loading, the rest by where it lives', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 10_000,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 5] },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('loadESM', 'node:internal/modules/esm/loader'), children: [4] },
        { id: 4, callFrame: frame('compile', 'file:///x/node_modules/.pnpm/ajv@8/node_modules/ajv/dist/core.js') },
        { id: 5, callFrame: frame('executeCode', 'file:///x/packages/core/src/execute/cell.ts') },
      ],
      samples: [2, 4, 4, 5],
      timeDeltas: [1000, 2000, 3000, 4000],
    };
    const summary = summarizeProfile(profile);
    expect(summary.totalMs).toBe(10);
    expect(Object.fromEntries(summary.categories)).toEqual({
      '(idle: waiting for the kernel, sockets, timers)': 1,
      'module loading (import/require: read, compile, run module bodies)': 5,
      'nbrun core: src/execute/cell.ts': 4,
    });
  });
});
