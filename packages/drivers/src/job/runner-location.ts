/**
 * Finds the `nbrun-runner` program to start for a local job: `$NBRUN_RUNNER_BIN`, else the
 * runner package's built bundle, else (in a source checkout) its TypeScript source through tsx.
 * Source or bundle follows how this module itself runs: built nbrun starts the built runner
 * (built in the same `pnpm -r build`, and about a second faster to start than tsx), nbrun
 * run from its sources starts the runner's sources (a stale dist would run old code).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BackendError } from '../errors.js';

/** How to start the runner: `process.execPath` with these arguments and extra environment. */
export interface RunnerCommand {
  /** Node arguments before the runner's own (`[script]` or `['--import', tsx, script]`). */
  nodeArgs: string[];
  /** Extra environment (e.g. tsx's tsconfig for a source checkout). */
  env: Record<string, string>;
  /** The runner's built `dist/` directory and entry file, when built (bundles may carry it). */
  dist?: { dir: string; entry: string };
  /** Where it was found, for messages. */
  description: string;
}

/** Whether this module is the TypeScript source (tests, tsx) rather than the built bundle. */
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

/** File names the runner's build may use for its single-file entry, in order of preference. */
const DIST_ENTRIES = ['nbrun-runner.mjs', 'nbrun-runner.js', 'bin.js', 'bin.mjs'];

/**
 * The runner package's folder (from `@nbrun/runner/package.json`).
 * @example runnerPackageDir() // '/work/main/packages/runner'
 */
export function runnerPackageDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@nbrun/runner/package.json'));
}

/**
 * The runner's built dist directory and its entry file, when built.
 * @example const dist = findRunnerDist(); if (dist) console.log(dist.entry)
 */
export function findRunnerDist(env: NodeJS.ProcessEnv = process.env): { dir: string; entry: string } | undefined {
  const dir = env.NBRUN_RUNNER_DIST || join(runnerPackageDir(), 'dist');
  for (const name of DIST_ENTRIES) {
    if (existsSync(join(dir, name))) return { dir, entry: name };
  }
  return undefined;
}

/**
 * How to start the runner on this machine.
 * @example const runner = locateRunner(); spawn(process.execPath, [...runner.nodeArgs, '--spec', file])
 */
export function locateRunner(env: NodeJS.ProcessEnv = process.env): RunnerCommand {
  if (env.NBRUN_RUNNER_BIN) {
    return { nodeArgs: [env.NBRUN_RUNNER_BIN], env: {}, description: `$NBRUN_RUNNER_BIN (${env.NBRUN_RUNNER_BIN})` };
  }
  const pkg = runnerPackageDir();
  const source = join(pkg, 'src', 'bin.ts');
  const dist = findRunnerDist(env);
  const built = dist && { nodeArgs: [join(dist.dir, dist.entry)], env: {}, dist, description: join(dist.dir, dist.entry) };
  if (built && !RUNNING_FROM_SOURCE) return built;
  if (existsSync(source)) {
    const require = createRequire(import.meta.url);
    let tsx: string | undefined;
    try {
      tsx = require.resolve('tsx');
    } catch {
      tsx = undefined;
    }
    const tsconfig = join(pkg, '..', '..', 'tsconfig.json');
    if (tsx && existsSync(tsconfig)) {
      return {
        nodeArgs: ['--import', pathToFileURL(tsx).href, source],
        // tsx reads tsconfig paths (workspace packages → their src) from here, not from the job's cwd.
        env: { TSX_TSCONFIG_PATH: tsconfig },
        dist,
        description: `${source} (through tsx)`,
      };
    }
  }
  if (built) return built;
  throw new BackendError('local', `cannot find nbrun-runner in ${pkg} (build it with 'pnpm -r build', or set NBRUN_RUNNER_BIN)`);
}
