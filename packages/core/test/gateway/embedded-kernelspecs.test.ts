/**
 * Kernelspec discovery (jupyter_path('kernels') order, first hit wins, lower-cased names)
 * and the launch command built from a kernelspec (argv templating, python substitution,
 * env with ${VAR} substitution), on real folders.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelNotFoundError, KernelStartError } from '../../src/errors.js';
import { findKernelSpec, findKernelSpecs, jupyterDataDirs, pythonForKernelSpec } from '../../src/gateway/embedded/kernelspecs.js';
import { buildLaunchCommand, createConnectionInfo, substituteEnv } from '../../src/gateway/embedded/launch.js';

let root: string;
const dir = (name: string) => join(root, name);

/** Writes `<dataDir>/kernels/<folder>/kernel.json`. */
function writeSpec(dataDir: string, folder: string, spec: object | string): void {
  mkdirSync(join(dataDir, 'kernels', folder), { recursive: true });
  writeFileSync(join(dataDir, 'kernels', folder, 'kernel.json'), typeof spec === 'string' ? spec : JSON.stringify(spec));
}

const spec = (displayName: string, extra: object = {}) => ({ argv: ['/bin/true', '{connection_file}'], display_name: displayName, language: 'demo', ...extra });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nbrun-kernelspecs-'));
  // first JUPYTER_PATH entry: upper-case folder name, message interrupts
  writeSpec(dir('path-a'), 'Demo', spec('Demo from path-a', { interrupt_mode: 'message', env: { A: '1' }, metadata: { debugger: false } }));
  // second JUPYTER_PATH entry: same name, lower-case — loses
  writeSpec(dir('path-b'), 'demo', spec('Demo from path-b'));
  writeSpec(dir('path-b'), 'only-in-b', spec('Only in path-b'));
  // user data dir: loses to JUPYTER_PATH, wins over the system dirs
  writeSpec(dir('user'), 'only-in-b', spec('Only in user'));
  writeSpec(dir('user'), 'python3', spec('User python3'));
  // left out: invalid name, no kernel.json, broken JSON, argv missing
  writeSpec(dir('path-b'), 'bad name', spec('Bad name'));
  mkdirSync(join(dir('path-b'), 'kernels', 'no-kernel-json'), { recursive: true });
  writeSpec(dir('path-b'), 'broken-json', '{ "argv": [');
  writeSpec(dir('path-b'), 'no-argv', { display_name: 'No argv', language: 'x' });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const env = () => ({ HOME: dir('home'), JUPYTER_PATH: `${dir('path-a')}:${dir('path-b')}`, JUPYTER_DATA_DIR: dir('user') });

describe('jupyterDataDirs', () => {
  it.each([
    {
      name: 'JUPYTER_PATH, then the user dir, then the system dirs',
      env: { JUPYTER_PATH: '/p1::/p2', JUPYTER_DATA_DIR: '/user' },
      python: undefined,
      expected: ['/p1', '/p2', '/user', '/usr/local/share/jupyter', '/usr/share/jupyter'],
    },
    {
      name: 'XDG_DATA_HOME when JUPYTER_DATA_DIR is not set',
      env: { XDG_DATA_HOME: '/xdg' },
      python: undefined,
      expected: ['/xdg/jupyter', '/usr/local/share/jupyter', '/usr/share/jupyter'],
    },
    {
      name: "the python's prefix after the user dir",
      env: { HOME: '/home/u' },
      python: '/opt/venv/bin/python',
      expected: ['/home/u/.local/share/jupyter', '/opt/venv/share/jupyter', '/usr/local/share/jupyter', '/usr/share/jupyter'],
    },
    {
      name: "the python's prefix before the user dir with JUPYTER_PREFER_ENV_PATH",
      env: { HOME: '/home/u', JUPYTER_PREFER_ENV_PATH: '1', NBRUN_PYTHON: '/opt/venv/bin/python' },
      python: undefined,
      expected: ['/opt/venv/share/jupyter', '/home/u/.local/share/jupyter', '/usr/local/share/jupyter', '/usr/share/jupyter'],
    },
    {
      name: 'no duplicates (NBRUN_PYTHON=/usr/bin/python3)',
      env: { HOME: '/home/u', NBRUN_PYTHON: '/usr/bin/python3' },
      python: undefined,
      expected: ['/home/u/.local/share/jupyter', '/usr/share/jupyter', '/usr/local/share/jupyter'],
    },
  ])('$name', ({ env, python, expected }) => {
    expect(jupyterDataDirs({ env, python })).toEqual(expected);
  });
});

describe('findKernelSpecs', () => {
  it('keeps the first hit per lower-cased name, in jupyter_path order', async () => {
    const specs = await findKernelSpecs({ env: env() });
    const byName = new Map(specs.map((s) => [s.name, s]));
    expect(byName.get('demo')).toMatchObject({
      displayName: 'Demo from path-a',
      language: 'demo',
      interruptMode: 'message',
      env: { A: '1' },
      argv: ['/bin/true', '{connection_file}'],
      metadata: { debugger: false },
      resourceDir: join(dir('path-a'), 'kernels', 'Demo'),
    });
    expect(byName.get('only-in-b')?.displayName).toBe('Only in path-b');
    // the user dir beats /usr/share/jupyter's python3
    expect(byName.get('python3')?.displayName).toBe('User python3');
    // the system dirs are searched too (Debian's kernelspecs)
    expect(byName.get('ir')?.resourceDir).toBe('/usr/share/jupyter/kernels/ir');
    expect(byName.get('ir')?.interruptMode).toBe('signal');
  });

  it('leaves out invalid names, folders without kernel.json and broken kernel.json', async () => {
    const names = (await findKernelSpecs({ env: env() })).map((s) => s.name);
    expect(names).not.toContain('bad name');
    expect(names).not.toContain('no-kernel-json');
    expect(names).not.toContain('broken-json');
    expect(names).not.toContain('no-argv');
    expect(names).toEqual([...names].sort());
  });

  it('finds a kernelspec whatever the case of the name asked for', async () => {
    expect((await findKernelSpec('DEMO', { env: env() })).resourceDir).toBe(join(dir('path-a'), 'kernels', 'Demo'));
  });

  it('takes `python` for the native python3 kernel, as jupyter_client does (issue 11 item 10)', async () => {
    const found = await findKernelSpec('python', { env: env() });
    expect([found.name, found.displayName]).toEqual(['python3', 'User python3']);
    expect((await findKernelSpec('Python', { env: env() })).name).toBe('python3');
  });

  it('rejects an unknown name with KernelNotFoundError listing the names that exist', async () => {
    const err = await findKernelSpec('nope', { env: env() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelNotFoundError);
    expect((err as KernelNotFoundError).available).toEqual(expect.arrayContaining(['demo', 'only-in-b', 'python3', 'ir']));
    expect((err as Error).message).toMatch(/no kernel named 'nope' \(available: .*demo.*\)/);
  });

  it.each([
    { name: 'broken-json', message: /broken-json.kernel\.json/ },
    { name: 'no-argv', message: /no-argv.kernel\.json has no valid "argv"/ },
  ])('names the file of a broken kernelspec asked for by name ($name)', async ({ name, message }) => {
    const err = await findKernelSpec(name, { env: env() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelStartError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('pythonForKernelSpec', () => {
  it.each([
    { resourceDir: '/usr/share/jupyter/kernels/octave', configured: undefined, expected: '/usr/bin/python3' },
    { resourceDir: '/usr/share/jupyter/kernels/octave', configured: '/opt/py/bin/python', expected: '/usr/bin/python3' },
    { resourceDir: '/nowhere/kernels/x', configured: '/opt/py/bin/python', expected: '/opt/py/bin/python' },
    { resourceDir: '/nowhere/share/jupyter/kernels/x', configured: undefined, expected: undefined },
  ])('$resourceDir (configured: $configured) → $expected', ({ resourceDir, configured, expected }) => {
    expect(pythonForKernelSpec(resourceDir, configured)).toBe(expected);
  });
});

describe('substituteEnv (string.Template.safe_substitute)', () => {
  it.each([
    ['${HOME}/lib', '/h/lib'],
    ['$HOME:$PATH', '/h:/bin'],
    ['$$HOME', '$HOME'],
    ['${UNSET}:$UNSET', '${UNSET}:$UNSET'],
    ['no vars', 'no vars'],
    ['$1', '$1'],
  ])('%s → %s', (value, expected) => {
    expect(substituteEnv(value, { HOME: '/h', PATH: '/bin' })).toBe(expected);
  });
});

describe('buildLaunchCommand', () => {
  const base = { language: 'python', name: 'k', displayName: 'k' };
  it.each([
    {
      name: 'python argv[0] becomes the python of the spec prefix; templates filled',
      spec: { ...base, argv: ['python', '-f', '{connection_file}', '{resource_dir}', '{prefix}', '{unknown}'], resourceDir: '/usr/share/jupyter/kernels/k' },
      python: undefined,
      argv: ['/usr/bin/python3', '-f', '/run/k.json', '/usr/share/jupyter/kernels/k', '/usr', '{unknown}'],
    },
    {
      name: 'python3.11 argv[0] falls back to the configured python',
      spec: { ...base, argv: ['python3.11', '{connection_file}'], resourceDir: '/elsewhere/k' },
      python: '/opt/venv/bin/python',
      argv: ['/opt/venv/bin/python', '/run/k.json'],
    },
    {
      name: 'other argv[0] are kept',
      spec: { ...base, argv: ['R', '--args', '{connection_file}'], resourceDir: '/usr/share/jupyter/kernels/k' },
      python: undefined,
      argv: ['R', '--args', '/run/k.json'],
    },
    {
      name: 'python with no python found is kept as is',
      spec: { ...base, argv: ['python', '{connection_file}'], resourceDir: '/elsewhere/k' },
      python: undefined,
      argv: ['python', '/run/k.json'],
    },
  ])('$name', ({ spec, python, argv }) => {
    expect(buildLaunchCommand(spec, { connectionFile: '/run/k.json', baseEnv: {}, python }).argv).toEqual(argv);
  });

  it('merges spec env (substituted from the base env), then extra env, and sets JPY_PARENT_PID', () => {
    const { env } = buildLaunchCommand(
      { ...base, argv: ['x'], env: { LIB: '${BASE}/lib', KEEP: 'spec', OVER: 'spec' } },
      { connectionFile: '/run/k.json', baseEnv: { BASE: '/b', PYTHONEXECUTABLE: '/x', JPY_PARENT_PID: '1' }, extraEnv: { OVER: 'extra' } },
    );
    expect(env).toEqual({ BASE: '/b', LIB: '/b/lib', KEEP: 'spec', OVER: 'extra', JPY_PARENT_PID: String(process.pid) });
  });
});

describe('createConnectionInfo', () => {
  it('picks five distinct free loopback ports and a fresh 256-bit key', async () => {
    const [a, b] = await Promise.all([createConnectionInfo('k'), createConnectionInfo('k')]);
    const ports = [a.shell_port, a.iopub_port, a.stdin_port, a.control_port, a.hb_port];
    expect(new Set(ports).size).toBe(5);
    expect(a).toMatchObject({ transport: 'tcp', ip: '127.0.0.1', signature_scheme: 'hmac-sha256', kernel_name: 'k' });
    expect(a.key).toMatch(/^[0-9a-f]{64}$/);
    expect(a.key).not.toBe(b.key);
  });
});
