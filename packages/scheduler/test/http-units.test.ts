/** The HTTP layer's pure parts: bundle and inline snapshots, problems, token, local times, redaction. */
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { describe, expect, test } from 'vitest';
import { localIso } from '../src/http/local-time.js';
import { HttpProblem, toProblem } from '../src/http/problem.js';
import { REDACTED, redactSecrets } from '../src/http/redact.js';
import { snapshotFromBundle, snapshotFromInline } from '../src/http/snapshot.js';
import { loadOrCreateToken, tokenMatches } from '../src/http/token.js';
import { SchedulerError } from '../src/service.js';

const enc = (s: string) => new TextEncoder().encode(s);
const NB = '{"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5}';
const zip = (files: Zippable) => Buffer.from(zipSync(files));
/** A unix symlink entry (mode 0120777 in the external attributes). */
const link = (target: string): Zippable[string] => [enc(target), { os: 3, attrs: (0o120777 << 16) >>> 0 }];

function problemOf(f: () => unknown): { status: number; code: string; detail: string; field?: string } {
  try {
    f();
  } catch (err) {
    return toProblem(err);
  }
  throw new Error('expected a refusal');
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string; detail: string; field?: string }> {
  return p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (err: unknown) => toProblem(err),
  );
}

describe('snapshotFromBundle', () => {
  const opts = { maxUnpacked: 1 << 20 };
  test('a bundle as nbrun submit makes it: the notebook its job spec names, the spec and runner left out', async () => {
    const s = await snapshotFromBundle(
      zip({ 'report.ipynb': enc(NB), 'nbrun-job.json': enc('{"notebook":"report.ipynb"}'), 'lib/util.py': enc('x=1'), '.nbrun-runner/bin.cjs': enc('') }),
      opts,
    );
    expect(s.notebookName).toBe('report.ipynb');
    expect(s.notebook.toString()).toBe(NB);
    expect([...s.files.keys()]).toEqual(['lib/util.py']);
  });
  test('the only notebook at the top, else an explicit name', async () => {
    expect((await snapshotFromBundle(zip({ 'a.ipynb': enc(NB), 'd/b.ipynb': enc(NB) }), opts)).notebookName).toBe('a.ipynb');
    expect((await refusal(snapshotFromBundle(zip({ 'a.ipynb': enc(NB), 'b.ipynb': enc(NB) }), opts))).detail).toMatch(/2 notebooks/);
    expect((await snapshotFromBundle(zip({ 'a.ipynb': enc(NB), 'b.ipynb': enc(NB) }), { ...opts, notebook: 'b.ipynb' })).files.has('a.ipynb')).toBe(true);
  });
  test.each([
    ['zip slip', { 'a.ipynb': enc(NB), '../evil.py': enc('x') }, /'\.\.'/],
    ['absolute path', { 'a.ipynb': enc(NB), '/etc/evil': enc('x') }, /absolute/],
    ['a link out of the bundle', { 'a.ipynb': enc(NB), 'data': link('../../etc/passwd') }, /outside/],
    ['an absolute link', { 'a.ipynb': enc(NB), 'data': link('/etc/passwd') }, /absolute/],
    ['not a zip', undefined, /not a zip, tar.gz or tar/],
  ])('refuses %s', async (_name, files, message) => {
    const bytes = files ? zip(files as Zippable) : Buffer.from('not a zip at all, just text');
    const p = await refusal(snapshotFromBundle(bytes, opts));
    expect(p.status).toBe(400);
    expect(p.code).toBe('E_BUNDLE');
    expect(p.field).toBe('bundle');
    expect(p.detail).toMatch(message);
  });
  test('a link inside the bundle becomes a copy of its target', async () => {
    const s = await snapshotFromBundle(zip({ 'a.ipynb': enc(NB), 'data/x.csv': enc('1,2'), 'x.csv': link('data/x.csv') }), opts);
    expect(s.files.get('x.csv')!.toString()).toBe('1,2');
  });
  test('refuses an entry that is in the zip twice', async () => {
    const bytes = zip({ 'a.ipynb': enc(NB), 'one.py': enc('1'), 'two.py': enc('2') });
    // Rename every 'two.py' (local header and central directory) to 'one.py'.
    const patched = Buffer.from(bytes.toString('latin1').replaceAll('two.py', 'one.py'), 'latin1');
    expect((await refusal(snapshotFromBundle(patched, opts))).detail).toMatch(/"one.py" appears more than once/);
  });
  test('refuses a bundle that unpacks beyond the limit (413)', async () => {
    const p = await refusal(snapshotFromBundle(zip({ 'a.ipynb': enc(NB), 'big.bin': new Uint8Array(2 << 20) }), opts));
    expect(p.status).toBe(413);
    expect(p.code).toBe('E_TOO_LARGE');
  });
});

describe('snapshotFromInline', () => {
  test('decodes base64 files', () => {
    const s = snapshotFromInline(JSON.parse(NB), { 'data/x.csv': Buffer.from('1,2').toString('base64') }, 'r.ipynb');
    expect(s.files.get('data/x.csv')!.toString()).toBe('1,2');
    expect(JSON.parse(s.notebook.toString())).toEqual(JSON.parse(NB));
  });
  test.each([
    [{ '../x': 'YQ==' }, "files.../x", /'\.\.'/],
    [{ '/abs': 'YQ==' }, 'files./abs', /absolute/],
    [{ 'x.py': 'not base64!' }, 'files.x.py', /base64/],
    [{ a: 'YQ==', 'a/b': 'YQ==' }, 'files', /both a file and a folder/],
    // The bundle path policy the drivers and the runner share: one entry, one canonical name.
    [{ 'data/x.csv': 'YQ==', 'data//x.csv': 'YQ==' }, 'files.data//x.csv', /^files\.data\/\/x\.csv: the same file as 'data\/x\.csv'$/],
    [{ 'src\\util.py': 'YQ==' }, 'files.src\\util.py', /^files: entry "src\\\\util\.py" has a backslash/],
    [{ 'a\nb.py': 'YQ==' }, 'files.a\nb.py', /^files: entry "a\\nb\.py" has a control character \(refused\)$/],
  ])('refuses %j', (files, field, message) => {
    const p = problemOf(() => snapshotFromInline(JSON.parse(NB), files, 'r.ipynb'));
    expect(p).toMatchObject({ status: 400, field });
    expect(p.detail).toMatch(message);
  });
});

test("names are kept canonical: './r.ipynb' is 'r.ipynb', './data/x.csv' is 'data/x.csv'", () => {
  const s = snapshotFromInline(JSON.parse(NB), { './data/x.csv': 'YQ==' }, './r.ipynb');
  expect(s.notebookName).toBe('r.ipynb');
  expect([...s.files.keys()]).toEqual(['data/x.csv']);
});

describe('toProblem', () => {
  test('a SchedulerError keeps its status, code and field', () => {
    expect(toProblem(SchedulerError.invalid('trigger.cron', "trigger.cron: 'x' is not a cron expression"))).toMatchObject({
      status: 400, code: 'E_INVALID', field: 'trigger.cron', title: 'Bad Request',
    });
    expect(toProblem(SchedulerError.notFound('run', 'r1'))).toMatchObject({ status: 404, code: 'E_NOT_FOUND' });
  });
  test('anything unknown is a 500 without details', () => {
    const p = toProblem(new Error('secret internals'));
    expect(p).toMatchObject({ status: 500, code: 'E_INTERNAL' });
    expect(p.detail).not.toMatch(/secret/);
  });
  test('an HttpProblem as given', () => {
    expect(toProblem(new HttpProblem(401, 'E_UNAUTHORIZED', 'wrong token'))).toMatchObject({ status: 401, detail: 'wrong token' });
  });
});

test('the token is generated once, mode 0600, then read back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nbrun-token-'));
  const first = await loadOrCreateToken(join(dir, 'state'));
  expect(first.created).toBe(true);
  expect(((await stat(first.path!)).mode & 0o777).toString(8)).toBe('600');
  const again = await loadOrCreateToken(join(dir, 'state'));
  expect(again).toMatchObject({ token: first.token, created: false });
  expect((await readFile(first.path!, 'utf8')).trim()).toBe(first.token);
  expect(await loadOrCreateToken(dir, 'given')).toMatchObject({ token: 'given', created: false });
  expect(tokenMatches('abc', 'abc')).toBe(true);
  expect(tokenMatches('abc', 'abd')).toBe(false);
  expect(tokenMatches('abc', undefined)).toBe(false);
});

test.each([
  ['2026-03-29T04:00:00Z', 'Europe/Berlin', '2026-03-29T06:00:00+02:00'],
  ['2026-01-15T11:00:00Z', 'America/New_York', '2026-01-15T06:00:00-05:00'],
  ['2026-01-15T00:30:00Z', 'Asia/Kolkata', '2026-01-15T06:00:00+05:30'],
  ['2026-01-15T06:00:00Z', 'UTC', '2026-01-15T06:00:00Z'],
])('localIso(%s, %s)', (at, zone, expected) => {
  expect(localIso(new Date(at), zone)).toBe(expected);
});

test('secret driver options are redacted, by name or by schema', () => {
  const s = { id: 's', driver: { name: 'kubeflow', options: { gatewayToken: 'abc', namespace: 'ml', apiKey: 'k', region: 'x', kfpTokenEnv: 'KFP_TOKEN', storeSecret: 's3-creds' } } };
  const r = redactSecrets(s, () => ({ properties: { region: { writeOnly: true } } }));
  expect(r.driver.options).toEqual({ gatewayToken: REDACTED, namespace: 'ml', apiKey: REDACTED, region: REDACTED, kfpTokenEnv: 'KFP_TOKEN', storeSecret: 's3-creds' });
  expect(s.driver.options.gatewayToken).toBe('abc');
});
