import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputWriteError } from '@nbrun/core/errors.js';
import type { Notebook } from '@nbrun/core/execute/types.js';
import { readNotebook, serializeNotebook, writeFileAtomic, writeNotebook, writeNotebookSync } from '@nbrun/core/notebook/index.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/notebooks/', import.meta.url));

let scratch: string;
let nb: Notebook;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nbrun-write-'));
  nb = await readNotebook(join(FIXTURES, 'outputs-of-every-type.ipynb'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A notebook whose serialization throws after some cells were already written out. */
function notebookThatFailsHalfway(): Notebook {
  const cells: Notebook['cells'] = Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, cell_type: 'markdown', metadata: {}, source: `cell ${i}` }));
  Object.defineProperty(cells[40]!.metadata, 'broken', {
    enumerable: true,
    get() {
      throw new Error('metadata getter exploded');
    },
  });
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}

async function freshDir(name: string): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

const writers = [
  { name: 'writeNotebook', write: (path: string, n: Notebook) => writeNotebook(path, n) },
  { name: 'writeNotebookSync', write: async (path: string, n: Notebook) => writeNotebookSync(path, n) },
];

describe.each(writers)('$name', ({ name, write }) => {
  it('writes the serialized notebook and leaves no temp file', async () => {
    const dir = await freshDir(`${name}-ok`);
    const path = join(dir, 'out.ipynb');
    await write(path, nb);
    expect(await readFile(path, 'utf8')).toBe(serializeNotebook(nb));
    expect(await readdir(dir)).toEqual(['out.ipynb']);
  });

  it('replaces an existing file and keeps its permissions', async () => {
    const dir = await freshDir(`${name}-replace`);
    const path = join(dir, 'out.ipynb');
    await writeFile(path, 'old content');
    await chmod(path, 0o640);
    await write(path, nb);
    expect(await readFile(path, 'utf8')).toBe(serializeNotebook(nb));
    expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  it('leaves the existing file untouched and no temp file when serialization throws midway', async () => {
    const dir = await freshDir(`${name}-throws`);
    const path = join(dir, 'out.ipynb');
    await writeFile(path, 'the previous good notebook');
    const err = await write(path, notebookThatFailsHalfway()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputWriteError);
    expect(err).toMatchObject({
      code: 'E_OUTPUT_WRITE',
      path,
      message: `${path}: cannot write the notebook: it cannot be serialized (metadata getter exploded)`,
    });
    expect(await readFile(path, 'utf8')).toBe('the previous good notebook');
    expect(await readdir(dir)).toEqual(['out.ipynb']);
  });

  it('fails with one line naming the path when the folder does not exist', async () => {
    const path = join(scratch, `${name}-missing`, 'sub', 'out.ipynb');
    const err = await write(path, nb).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputWriteError);
    expect((err as Error).message).toBe(`${path}: cannot write (folder ${join(scratch, `${name}-missing`, 'sub')} does not exist)`);
  });

  it('fails when the target is a directory, removing its temp file', async () => {
    const dir = await freshDir(`${name}-dir`);
    const path = join(dir, 'out.ipynb');
    await mkdir(path);
    const err = await write(path, nb).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputWriteError);
    expect((err as Error).message).toBe(`${path}: cannot write (it is a directory)`);
    expect(await readdir(dir)).toEqual(['out.ipynb']);
  });

  it('writes through a symlink instead of replacing the link', async () => {
    const dir = await freshDir(`${name}-link`);
    const real = join(dir, 'real.ipynb');
    const link = join(dir, 'link.ipynb');
    await writeFile(real, 'old');
    await symlink(real, link);
    await write(link, nb);
    expect(await readFile(real, 'utf8')).toBe(serializeNotebook(nb));
    expect((await readdir(dir)).sort()).toEqual(['link.ipynb', 'real.ipynb']);
  });
});

it('refuses a notebook with a circular reference with a clear error, writing nothing', async () => {
  const dir = await freshDir('circular');
  const path = join(dir, 'out.ipynb');
  const metadata: Record<string, unknown> = {};
  metadata.self = metadata;
  const err = await writeNotebook(path, { ...nb, metadata: metadata as Notebook['metadata'] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OutputWriteError);
  expect((err as Error).message).toMatch(/^\S+: cannot write the notebook: it cannot be serialized \(nested more than 1000 levels deep at key "self" \(circular reference\?\)\)$/);
  expect(await readdir(dir)).toEqual([]);
});

it('concurrent writers to one path never leave a mixed file', async () => {
  const dir = await freshDir('concurrent');
  const path = join(dir, 'out.ipynb');
  const variants = Array.from({ length: 8 }, (_, i) => ({ ...nb, metadata: { ...nb.metadata, writer: i } }) as Notebook);
  await Promise.all(variants.map((v) => writeNotebook(path, v)));
  const text = await readFile(path, 'utf8');
  expect(variants.map((v) => serializeNotebook(v))).toContain(text);
  expect(await readdir(dir)).toEqual(['out.ipynb']);
});

describe('writeFileAtomic', () => {
  it('writes bytes or text; a new file gets the mode asked for, a replaced one keeps its own; no temp file stays', async () => {
    const dir = await mkdtemp(join(scratch, 'atomic-'));
    const record = join(dir, 'job.json');
    await writeFileAtomic(record, '{"id":"a"}\n', { mode: 0o600, sync: false });
    expect((await stat(record)).mode & 0o777).toBe(0o600);
    await chmod(record, 0o640);
    await writeFileAtomic(record, new TextEncoder().encode('{"id":"b"}\n'), { mode: 0o600 });
    expect(await readFile(record, 'utf8')).toBe('{"id":"b"}\n');
    expect((await stat(record)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['job.json']);
  });

  it('names the file when its folder is missing', async () => {
    await expect(writeFileAtomic(join(scratch, 'no-such-dir', 'status.json'), '{}', { sync: false })).rejects.toBeInstanceOf(OutputWriteError);
  });
});
