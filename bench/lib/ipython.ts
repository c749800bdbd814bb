/**
 * IPython profile folders for the kernels of a benchmark run. ipykernel records every
 * executed cell in `$IPYTHONDIR/profile_default/history.sqlite` (a SQLite commit per cell)
 * unless told `--HistoryManager.hist_file=:memory:`, as nbclient does for its kernels.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A private IPYTHONDIR (history on disk, IPython's default) so that kernels of other
 * programs on a shared machine do not contend for the same history database.
 * @example process.env.IPYTHONDIR ??= privateIpythonDir('bench/out')
 */
export function privateIpythonDir(outDir: string): string {
  const dir = join(outDir, 'ipython');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * An IPYTHONDIR whose kernel config keeps the history in memory — what nbclient asks of
 * the kernels it starts. Set it in a kernel's environment to take the history write out.
 * @example measureProcess(cmd, args, { env: { ...process.env, IPYTHONDIR: memoryHistoryIpythonDir('bench/out') } })
 */
export function memoryHistoryIpythonDir(outDir: string): string {
  const dir = join(outDir, 'ipython-memory-history');
  mkdirSync(join(dir, 'profile_default'), { recursive: true });
  writeFileSync(join(dir, 'profile_default', 'ipython_kernel_config.py'), "c.HistoryManager.hist_file = ':memory:'\n");
  return dir;
}
