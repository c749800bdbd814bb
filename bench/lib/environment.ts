/** The machine and the versions a benchmark ran with, for the report. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { JUPYTER_EXECUTE, PYTHON, ROOT } from './tools.js';

export interface Environment {
  machine: [string, string][];
  versions: [string, string][];
}

/**
 * Collects nproc, CPU model, memory, OS and the versions of everything under test.
 * @example const env = describeEnvironment(); env.versions // [['node', 'v20.20.2'], …]
 */
export function describeEnvironment(): Environment {
  const machine: [string, string][] = [
    ['nproc', String(availableParallelism())],
    ['CPU', cpus()[0]?.model ?? 'unknown'],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['OS', `${firstLine(tryRead('/etc/os-release'), /^PRETTY_NAME="?([^"\n]*)/m) ?? 'Linux'}, kernel ${release()}`],
    ['load average at start (1/5/15 min)', loadavg().map((l) => l.toFixed(2)).join(' / ')],
  ];
  const python = pythonVersions();
  const versions: [string, string][] = [
    ['node', process.version],
    ['nbrun', `${packageVersion('packages/cli/package.json')} (git ${gitDescribe()})`],
    ['zeromq (npm)', packageVersion('packages/core/node_modules/zeromq/package.json')],
    ['ws (npm)', packageVersion('packages/core/node_modules/ws/package.json')],
    ['python', `${python.python ?? '?'} (${PYTHON})`],
    ...(['nbclient', 'ipykernel', 'jupyter_client', 'jupyter_server', 'nbformat', 'nbconvert', 'pyzmq', 'tornado'] as const).map(
      (name): [string, string] => [name, python[name] ?? 'not installed'],
    ),
    ['jupyter execute', JUPYTER_EXECUTE],
  ];
  return { machine, versions };
}

/** Versions of the Python side, read by Debian's python itself. */
function pythonVersions(): Record<string, string> {
  const script = [
    'import json, platform',
    'from importlib.metadata import version',
    'out = {"python": platform.python_version()}',
    'for n in ["nbclient", "ipykernel", "jupyter_client", "jupyter_server", "nbformat", "nbconvert", "pyzmq", "tornado"]:',
    '    try: out[n] = version(n)',
    '    except Exception: pass',
    'print(json.dumps(out))',
  ].join('\n');
  try {
    return JSON.parse(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' })) as Record<string, string>;
  } catch {
    return {};
  }
}

function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}${path}`, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Short commit hash, marked when the working tree of packages/ has uncommitted changes. */
function gitDescribe(): string {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${hash} + uncommitted changes` : hash;
  } catch {
    return 'unknown';
  }
}

function tryRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function firstLine(text: string, re: RegExp): string | undefined {
  return re.exec(text)?.[1];
}
