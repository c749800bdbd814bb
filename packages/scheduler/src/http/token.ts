/**
 * The service's bearer token: given (`--token`, `NBRUN_SERVER_TOKEN`), else read from the state
 * dir, else generated once and stored there with mode 0600.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';

/** File in the state dir holding the generated token. */
export const TOKEN_FILE_NAME = 'server-token';

/**
 * The token to require, and whether it was generated now (print it once, then never again).
 * @example const { token, created } = await loadOrCreateToken('/var/lib/nbrun')
 */
export async function loadOrCreateToken(stateDir: string, given?: string): Promise<{ token: string; created: boolean; path?: string }> {
  if (given !== undefined && given !== '') return { token: given, created: false };
  const path = join(stateDir, TOKEN_FILE_NAME);
  const existing = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing?.trim()) return { token: existing.trim(), created: false, path };
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('base64url');
  // wx: two servers starting at once do not overwrite each other's token; the loser reads the winner's.
  try {
    await writeFile(path, token + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { token: (await readFile(path, 'utf8')).trim(), created: false, path };
    throw err;
  }
  await chmod(path, 0o600);
  return { token, created: true, path };
}

/** Compares a presented token with the expected one in constant time. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}
