import { describe, expect, it } from 'vitest';
import { buildLaunchCommand, isIPyKernel } from '../../src/gateway/embedded/launch.js';
import type { KernelSpecInfo } from '../../src/gateway/types.js';

const spec = (argv: string[], language = 'python'): KernelSpecInfo => ({ name: 'k', displayName: 'K', language, argv, resourceDir: '/nowhere' });

describe('IPython history kept in memory, as nbclient does', () => {
  it.each([
    [['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'], true],
    [['python', '-m', 'ipykernel', '-f', '{connection_file}'], true],
    [['/opt/conda/bin/ipykernel', '-f', '{connection_file}'], true],
    [['R', '--slave', '-e', 'IRkernel::main()', '--args', '{connection_file}'], false],
    [['python', '-m', 'octave_kernel', '-f', '{connection_file}'], false],
  ])('%j → ipykernel: %s', (argv, ipy) => {
    expect(isIPyKernel(argv)).toBe(ipy);
    const cmd = buildLaunchCommand(spec(argv), { connectionFile: '/tmp/c.json', baseEnv: {} });
    expect(cmd.argv.includes('--HistoryManager.hist_file=:memory:')).toBe(ipy);
  });

  it('keeps a history file the kernelspec chose', () => {
    const argv = ['python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}', '--HistoryManager.hist_file=/data/h.sqlite'];
    const cmd = buildLaunchCommand(spec(argv), { connectionFile: '/tmp/c.json', baseEnv: {} });
    expect(cmd.argv.filter((a) => a.startsWith('--HistoryManager.hist_file'))).toEqual(['--HistoryManager.hist_file=/data/h.sqlite']);
  });
});
