import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { ParameterError, asFloat } from '@nbrun/core';
import { JOB_SPEC_FILE_NAME } from '@nbrun/runner';
import { BundlePathError } from '@nbrun/runner/contract';
import { parseSpecText } from '../../../runner/src/load-spec.js';
import { createBundle, readBundleEntries, unpackBundle } from '../../src/bundle/bundle.js';
import { BundleError } from '../../src/errors.js';

const example = fileURLToPath(new URL('../../../../examples/helper-module/train.ipynb', import.meta.url));
const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'nbrun-bundle-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('createBundle', () => {
  it('carries the notebook, its dependencies and the job spec', async () => {
    const bundle = await createBundle({
      notebook: example,
      dependencies: ['*.py', 'data'],
      spec: { jobId: 'train-1', parameters: { epochs: 2 } },
    });
    expect(bundle.entries).toEqual(['data/numbers.csv', 'helpers.py', JOB_SPEC_FILE_NAME, 'train.ipynb']);
    expect(bundle.notebookEntry).toBe('train.ipynb');
    const files = readBundleEntries(await bundle.zip());
    expect(JSON.parse(new TextDecoder().decode(files.get(JOB_SPEC_FILE_NAME)))).toEqual({
      jobId: 'train-1',
      notebook: 'train.ipynb',
      parameters: { epochs: 2 },
    });
    expect(files.get('helpers.py')).toEqual(new Uint8Array(await readFile(join(example, '..', 'helpers.py'))));
  });

  it('carries a whole float as a float: the runner reads back `-p lr 1.0` as 1.0, not 1 (issue 11 item 3)', async () => {
    const parameters = { lr: asFloat(1), epochs: 2, nested: { w: [asFloat(-3), 0.5] }, s: 'nbrun-parameters-x' };
    const bundle = await createBundle({ notebook: example, spec: { parameters } });
    const text = new TextDecoder().decode(readBundleEntries(await bundle.zip()).get(JOB_SPEC_FILE_NAME));
    expect(text).toContain('"parameters": {"lr": 1.0, "epochs": 2, "nested": {"w": [-3.0, 0.5]}, "s": "nbrun-parameters-x"}');
    expect(JSON.parse(text)).toMatchObject({ notebook: 'train.ipynb', parameters: { lr: 1, epochs: 2 } });
    expect(parseSpecText(text, JOB_SPEC_FILE_NAME).parameters).toEqual(parameters);
  });

  it('refuses parameters JSON cannot carry exactly, naming them', async () => {
    for (const parameters of [{ big: 2n ** 60n }, { x: [NaN] }, { inf: { y: Infinity } }]) {
      const err = await createBundle({ notebook: example, spec: { parameters } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParameterError);
      expect((err as Error).message).toMatch(/cannot be sent in a job spec/);
    }
  });

  it('refuses a missing dependency and a ".." one', async () => {
    for (const dep of ['nothere.py', '../hello.ipynb']) {
      const err = await createBundle({ notebook: example, dependencies: [dep], spec: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BundleError);
    }
  });

  it('refuses a notebook that does not exist', async () => {
    const err = await createBundle({ notebook: join(example, '..', 'nope.ipynb'), spec: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as Error).message).toMatch(/cannot read notebook .*nope\.ipynb.*ENOENT/);
  });
});

describe('unpackBundle', () => {
  it('writes every entry below the destination', async () => {
    const bundle = await createBundle({ notebook: example, dependencies: ['data/'], spec: {} });
    const dest = await tempDir();
    expect(await unpackBundle(await bundle.zip(), dest)).toEqual(['data/numbers.csv', JOB_SPEC_FILE_NAME, 'train.ipynb']);
    expect(await readFile(join(dest, 'data', 'numbers.csv'), 'utf8')).toMatch(/^x,y\n/);
  });

  it.each(['../evil.txt', 'a/../../evil.txt', '/etc/evil', 'C:/evil', 'a\\..\\evil'])('refuses the entry %s', async (name) => {
    const zip = zipSync({ [name]: strToU8('x') });
    const dest = await tempDir();
    const err = await unpackBundle(zip, join(dest, 'job')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundlePathError);
    expect(err).toMatchObject({ code: 'E_BUNDLE', entry: name });
    expect((err as Error).message).toMatch(/^bundle zip: entry ".*" .* \(refused\)$/);
  });

  it('refuses bytes that are not a zip', async () => {
    await expect(unpackBundle(strToU8('not a zip'), await tempDir())).rejects.toThrow(/not a valid bundle zip/);
  });
});
