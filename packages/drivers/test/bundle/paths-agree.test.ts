/**
 * The drivers and the runner agree on what a safe bundle entry name is: one table
 * (runner/test/helpers/bundle-names.ts) run through the drivers' bundler (createBundle, the
 * docker tar) and bundle reader, and through the runner's unpacker on real zip and tar
 * archives — the same verdict (canonical name, or the same problem) on every side.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { extractArchive } from '@nbrun/runner';
import { BundlePathError, type BundlePathProblem } from '@nbrun/runner/contract';
import { NAME_CASES } from '../../../runner/test/helpers/bundle-names.js';
import { packTar } from '../../src/backends/docker/archive.js';
import { createBundle, readBundleEntries } from '../../src/bundle/bundle.js';

const example = fileURLToPath(new URL('../../../../examples/helper-module/train.ipynb', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'nbrun-paths-agree-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(work, String(n++));
const DATA = new TextEncoder().encode('x');

type Verdict = { canonical: string } | { problem: BundlePathProblem };

async function verdictOf(run: () => Promise<string[] | string>): Promise<Verdict> {
  try {
    const got = await run();
    return { canonical: Array.isArray(got) ? got.join(' | ') : got };
  } catch (err) {
    if (err instanceof BundlePathError) return { problem: err.problem };
    throw err;
  }
}

/** Every file below `dir`, `/`-separated, sorted. */
function filesBelow(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

/** A tar holding one file named exactly `name` (tar-stream writes a pax header when ustar cannot hold it). */
async function rawTar(name: string): Promise<Uint8Array> {
  const pack = tar.pack();
  pack.entry({ name, type: 'file', mode: 0o644, size: DATA.length }, Buffer.from(DATA));
  pack.finalize();
  return buffer(pack);
}

async function runnerUnpacks(archive: Uint8Array): Promise<string[]> {
  const dir = freshDir();
  await extractArchive(archive, dir, 'bundle');
  return filesBelow(dir);
}

const expected = (c: (typeof NAME_CASES)[number]): Verdict => (c.canonical !== undefined ? { canonical: c.canonical } : { problem: c.problem! });

describe('one verdict per name, on every side', () => {
  it.each(NAME_CASES)('$why', async (c) => {
    const want = expected(c);
    // The drivers' bundler: an extra file by that name.
    const bundler = await verdictOf(async () => {
      const bundle = await createBundle({ notebook: example, spec: {}, extraFiles: { [c.name]: DATA } });
      return bundle.entries.filter((e) => e !== 'train.ipynb' && e !== 'nbrun-job.json');
    });
    expect(bundler, 'createBundle').toEqual(want);
    if (c.zip !== false) {
      const zip = zipSync({ [c.name]: DATA });
      expect(await verdictOf(async () => [...readBundleEntries(zip).keys()]), "the drivers' bundle reader").toEqual(want);
      expect(await verdictOf(() => runnerUnpacks(zip)), "the runner's zip unpacker").toEqual(want);
    }
    if (c.tar !== false) {
      const archive = await rawTar(c.name);
      expect(await verdictOf(() => runnerUnpacks(archive)), "the runner's tar unpacker").toEqual(want);
    }
  });
});

describe('what the drivers bundle, the runner unpacks as is', () => {
  // One row per canonical name: `./a` and `a` in one archive are the same entry twice (refused).
  const accepted = NAME_CASES.filter((c, i) => c.canonical !== undefined && NAME_CASES.findIndex((d) => d.canonical === c.canonical) === i);

  it('a bundle zip with every accepted name', async () => {
    const extraFiles = Object.fromEntries(accepted.map((c) => [c.name, DATA]));
    const bundle = await createBundle({ notebook: example, spec: {}, extraFiles });
    const dir = freshDir();
    await extractArchive(await bundle.zip(), dir, 'bundle.zip');
    expect(filesBelow(dir)).toEqual([...bundle.entries].sort());
  });

  it("the docker driver's tar", async () => {
    // Under a prefix: the longest names would pass the limit there, so they are left out.
    const files = new Map(accepted.filter((c) => Buffer.byteLength(c.name) < 3000).map((c) => [c.name, DATA]));
    const dir = freshDir();
    await extractArchive(await buffer(packTar(files, 'nbrun/job')), dir, 'bundle.tar');
    expect(filesBelow(join(dir, 'nbrun/job'))).toEqual([...new Set([...files.keys()].map((k) => accepted.find((c) => c.name === k)!.canonical!))].sort());
  });
});

describe('two names, one entry', () => {
  it.each([
    ['a.py', './a.py'],
    ['a/b.py', 'a//b.py'],
  ])('%j and %j are refused as a duplicate on both sides', async (first, second) => {
    const zip = zipSync({ [first]: DATA, [second]: DATA });
    expect(() => readBundleEntries(zip)).toThrow(/appears more than once/);
    await expect(runnerUnpacks(zip)).rejects.toThrow(/appears more than once/);
    await expect(createBundle({ notebook: example, spec: {}, extraFiles: { [first]: DATA, [second]: DATA } })).rejects.toThrow(/twice/);
  });
});

describe('archives users make themselves', () => {
  const src = join(work, 'src');
  mkdirSync(join(src, 'data/sub'), { recursive: true });
  writeFileSync(join(src, 'nb.ipynb'), '{}');
  writeFileSync(join(src, 'data/sub/x.csv'), 'a,b\n');
  writeFileSync(join(src, 'données.txt'), 'é');

  it("`tar -C dir .` (every entry './'-prefixed, the root as './')", async () => {
    const out = join(work, 'dot.tar.gz');
    execFileSync('tar', ['-czf', out, '-C', src, '.']);
    expect(await runnerUnpacks(readFileSync(out))).toEqual(['data/sub/x.csv', 'données.txt', 'nb.ipynb']);
  });

  it('Info-ZIP `zip -r`, read by the drivers and unpacked by the runner alike', async () => {
    const out = join(work, 'r.zip');
    execFileSync('zip', ['-qr', out, '.'], { cwd: src });
    const zip = readFileSync(out);
    expect([...readBundleEntries(zip).keys()].sort()).toEqual(['data/sub/x.csv', 'données.txt', 'nb.ipynb']);
    expect(await runnerUnpacks(zip)).toEqual(['data/sub/x.csv', 'données.txt', 'nb.ipynb']);
  });
});
