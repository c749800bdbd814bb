/**
 * Kernel start problems through a real `nbrun run` process: a kernel that never answers
 * hits --start-timeout (exit 4) and is killed, leaving no process behind; a kernel whose
 * process exits at once is reported as a start failure (exit 6), not a hang.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { spawnNbrun } from '../helpers/cli.js';
import { fixturePath } from '../helpers/notebooks.js';
import { findMarkedProcesses, MARKER_VAR, newMarker, pollUntil } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-kernel-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Jupyter data dir holding one kernelspec `name` with the given argv. */
function kernelspecDir(name: string, argv: string[]): string {
  const data = mkdtempSync(join(dir, 'data-'));
  mkdirSync(join(data, 'kernels', name), { recursive: true });
  writeFileSync(join(data, 'kernels', name, 'kernel.json'), JSON.stringify({ argv, display_name: name, language: 'python' }));
  return data;
}

describe('kernel start problems (embedded gateway)', () => {
  it.each([
    // Never binds its ports, so kernel_info is never answered.
    {
      name: 'silent', argv: ['sh', '-c', 'echo still importing >&2; exec sleep 120'], flags: ['--start-timeout', '3'],
      exitCode: EXIT_CODES.timeout, said: 'still importing',
    },
    {
      name: 'crashing', argv: ['sh', '-c', 'echo cannot start >&2; exit 3'], flags: ['--start-timeout', '60'],
      exitCode: EXIT_CODES.kernelStart, said: 'cannot start',
    },
  ])('a $name kernel exits $exitCode, its last stderr lines shown above one error line, and leaves no process', async ({ name, argv, flags, exitCode, said }) => {
    const marker = newMarker();
    const out = join(dir, `${name}.ipynb`);
    const proc = spawnNbrun(['run', fixturePath('basics.ipynb'), out, '-k', name, ...flags], {
      env: { ...process.env, JUPYTER_PATH: kernelspecDir(name, argv), [MARKER_VAR]: marker },
    });
    const { code } = await proc.exited;
    expect(code, proc.stderr()).toBe(exitCode);
    const lines = proc.stderr().trimEnd().split('\n');
    expect(lines.at(-1)).toContain(name);
    expect(lines.slice(-3, -1), proc.stderr()).toEqual(["nbrun: the kernel's last stderr lines:", `  | ${said}`]);
    expect(proc.stderr()).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(await pollUntil(() => findMarkedProcesses(marker).length === 0, 5000), JSON.stringify(findMarkedProcesses(marker))).toBe(true);
  });
});
