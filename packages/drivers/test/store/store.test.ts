/**
 * The object store, both implementations, against real backends: a directory, and a real
 * S3-protocol server on loopback (s3rver) through @aws-sdk/client-s3. Same cases for both.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryStore, S3Store, openStore, type ObjectStore } from '@nbrun/drivers/store';
import { startS3Server, type S3TestServer } from '../../../runner/test/helpers/s3-server.js';

let s3: S3TestServer;
let work: string;
const stores: Record<string, () => ObjectStore> = {};

beforeAll(async () => {
  s3 = await startS3Server(['store-test']);
  work = await mkdtemp(join(tmpdir(), 'nbrun-store-'));
  stores.directory = () => new DirectoryStore(join(work, 'dir-store'));
  stores.s3 = () => new S3Store({ url: 's3://store-test/some/prefix', endpoint: s3.endpoint, env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } });
});

afterAll(async () => {
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

describe.each(['directory', 's3'])('%s store', (kind) => {
  it('puts, gets, lists and deletes objects under a prefix', async () => {
    const store = stores[kind]!();
    await store.put('job-1/bundle.zip', new Uint8Array([1, 2, 3]));
    await store.put('job-1/results/status.json', '{"state":"completed"}', 'application/json');
    await store.put('job-10/other.txt', 'not job-1');
    expect([...(await store.get('job-1/bundle.zip'))]).toEqual([1, 2, 3]);
    expect(await store.list('job-1')).toEqual(['job-1/bundle.zip', 'job-1/results/status.json']);
    expect(await store.delete('job-1')).toBe(2);
    expect(await store.list('job-1')).toEqual([]);
    expect(await store.list('job-10')).toEqual(['job-10/other.txt']);
    await expect(store.get('job-1/bundle.zip')).rejects.toMatchObject({ code: 'E_BACKEND' });
    store.close();
  });

  it('reads an object from a byte offset to its end: the tail only, empty at or past the end, 404 when missing', async () => {
    const store = stores[kind]!();
    await store.put('job-5/run.log', 'line 1\nline 2\n');
    expect(Buffer.from(await store.getFrom('job-5/run.log', 0)).toString()).toBe('line 1\nline 2\n');
    expect(Buffer.from(await store.getFrom('job-5/run.log', 7)).toString()).toBe('line 2\n');
    expect(await store.getFrom('job-5/run.log', 14)).toHaveLength(0);
    expect(await store.getFrom('job-5/run.log', 100)).toHaveLength(0);
    await expect(store.getFrom('job-5/missing.log', 3)).rejects.toMatchObject({ code: 'E_BACKEND', status: 404 });
    store.close();
  });

  it('uploads a directory and downloads a prefix into a directory', async () => {
    const store = stores[kind]!();
    const src = join(work, `${kind}-src`);
    await mkdir(join(src, 'plots'), { recursive: true });
    await writeFile(join(src, 'output.ipynb'), '{}');
    await writeFile(join(src, 'plots', 'loss.png'), new Uint8Array([137, 80, 78, 71]));
    expect(await store.uploadDir(src, 'job-2/results')).toEqual(['job-2/results/output.ipynb', 'job-2/results/plots/loss.png']);
    const dest = join(work, `${kind}-dest`);
    expect((await store.downloadPrefix('job-2/results', dest)).sort()).toEqual(['output.ipynb', 'plots/loss.png']);
    expect([...(await readFile(join(dest, 'plots', 'loss.png')))]).toEqual([137, 80, 78, 71]);
    store.close();
  });

  it('names each key by a URL the runner understands', () => {
    const store = stores[kind]!();
    expect(store.urlOf('job-3/bundle.zip')).toBe(kind === 's3' ? 's3://store-test/some/prefix/job-3/bundle.zip' : join(work, 'dir-store', 'job-3', 'bundle.zip'));
    store.close();
  });
});

describe('S3 store', () => {
  it('really stores under the bucket prefix (read back with a plain S3 client)', async () => {
    const store = stores.s3!();
    await store.put('job-4/a.txt', 'hello');
    expect(await s3.get('store-test', 'some/prefix/job-4/a.txt')).toBe('hello');
    store.close();
  });

  it('refuses wrong credentials with an auth error that names the object, not the secret', async () => {
    // s3rver checks the access key id (its signature check is lenient), as any S3 store does.
    const store = new S3Store({ url: 's3://store-test/x', endpoint: s3.endpoint, env: { AWS_ACCESS_KEY_ID: 'NOT-A-KEY', AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    const err = await store.put('a.txt', 'x').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_BACKEND_AUTH', status: 403 });
    expect((err as Error).message).toMatch(/^s3:\/\/store-test\/x\/a\.txt: cannot upload \(InvalidAccessKeyId/);
    expect((err as Error).message).not.toContain('not-the-secret');
    store.close();
  });

  it('takes credentials from named environment variables, or refuses with the names to set', async () => {
    const env = { MINIO_KEY: 'S3RVER', MINIO_SECRET: 'S3RVER' };
    const store = new S3Store({ url: 's3://store-test/named', endpoint: s3.endpoint, credentialEnv: { accessKeyId: 'MINIO_KEY', secretAccessKey: 'MINIO_SECRET' }, env });
    await store.put('a.txt', 'named');
    expect(await s3.get('store-test', 'named/a.txt')).toBe('named');
    store.close();
    expect(() => new S3Store({ url: 's3://store-test', endpoint: s3.endpoint, credentialEnv: { accessKeyId: 'NOPE_KEY', secretAccessKey: 'NOPE_SECRET' }, env: {} })).toThrow(
      /set NOPE_KEY and NOPE_SECRET/,
    );
  });

  it('takes credentials from a named profile', async () => {
    const file = join(work, 'aws-credentials');
    await writeFile(file, '[minio]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n');
    const saved = process.env.AWS_SHARED_CREDENTIALS_FILE;
    process.env.AWS_SHARED_CREDENTIALS_FILE = file;
    try {
      const store = new S3Store({ url: 's3://store-test/profile', endpoint: s3.endpoint, profile: 'minio', env: {} });
      await store.put('a.txt', 'from a profile');
      expect(await s3.get('store-test', 'profile/a.txt')).toBe('from a profile');
      store.close();
    } finally {
      if (saved === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      else process.env.AWS_SHARED_CREDENTIALS_FILE = saved;
    }
  });

  it('uses path-style addressing and checksums only when required (what S3-compatible stores need)', async () => {
    const store = stores.s3!() as S3Store;
    expect(await store.client.config.forcePathStyle).toBe(true);
    expect(await store.client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await store.client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    store.close();
  });

  it('refuses a download key that would land outside the destination', async () => {
    await s3.put('store-test', 'evil/../../escape.txt', 'x');
    const store = new S3Store({ url: 's3://store-test', endpoint: s3.endpoint, env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } });
    const listed = await store.list('evil');
    // s3rver may normalise the key; when it keeps the `..`, the download must refuse it.
    if (listed.some((k) => k.includes('..'))) await expect(store.downloadPrefix('evil', join(work, 'evil-dest'))).rejects.toThrow(/outside/);
    else expect(listed).toEqual([]);
    store.close();
  });
});

describe('openStore', () => {
  it.each([
    ['s3://bucket/prefix', 'S3Store', 's3://bucket/prefix'],
    ['/mnt/shared/nbrun', 'DirectoryStore', 'file:///mnt/shared/nbrun'],
    ['file:///mnt/shared/nbrun', 'DirectoryStore', 'file:///mnt/shared/nbrun'],
  ])('opens %s as a %s', (url, cls, root) => {
    const store = openStore(url, { endpoint: 'http://127.0.0.1:1' });
    expect(store.constructor.name).toBe(cls);
    expect(store.url).toBe(root);
    store.close();
  });

  it('refuses a directory key that leaves the store', async () => {
    const store = new DirectoryStore(join(work, 'jail'));
    await expect(store.put('../out.txt', 'x')).rejects.toThrow(/leaves the store directory/);
  });
});
