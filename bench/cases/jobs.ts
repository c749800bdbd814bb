/**
 * Case 10: a job as fast as a run (issue 13 §7). `nbrun submit --wait` of
 * examples/helper-module (bundle, start the runner, follow its log, wait, fetch the
 * executed notebook) side by side with `nbrun run` of the same notebook, on the local
 * driver and, when the engine and the image `nbrun-runner:test` are there, on docker.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { commandList, compareCommands, comparisonTable, type Contender } from '../lib/compare.js';
import { expectAllExecuted, readNotebookFile, removeFile } from '../lib/notebooks.js';
import { formatMs } from '../lib/stats.js';
import { ROOT, nbrunCommand, rel } from '../lib/tools.js';
import type { BenchCase, BenchContext, TargetCheck } from './types.js';

const NOTEBOOK = `${ROOT}examples/helper-module/train.ipynb`;
const DOCKER_IMAGE = process.env.NBRUN_BENCH_DOCKER_IMAGE ?? 'nbrun-runner:test';

function hasDockerImage(): boolean {
  const res = spawnSync('docker', ['image', 'inspect', DOCKER_IMAGE], { encoding: 'utf8', timeout: 20_000 });
  return res.status === 0;
}

function verifyExecuted(path: string): void {
  expectAllExecuted(readNotebookFile(path), path);
}

/** The engine's own cost, measured beside the docker job. */
const DOCKER_FLOOR = 'docker run --rm (same image, node -e 0)';

function contenders(ctx: BenchContext, docker: boolean): Contender[] {
  const dir = join(ctx.outDir, 'case10');
  const state = join(dir, 'state');
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, NBRUN_STATE_DIR: state };
  const out = (name: string) => join(dir, `train.${name}.out.ipynb`);
  const submit = (label: string, name: string, extra: string[]): Contender => ({
    line: {
      ...nbrunCommand(ctx.cli, ['submit', rel(NOTEBOOK), '--deps', '*.py,data', '--wait', '--output', rel(out(name)), ...extra]),
      label,
    },
    env,
    prepare: () => removeFile(out(name)),
    verify: () => verifyExecuted(out(name)),
  });
  return [
    {
      line: { ...nbrunCommand(ctx.cli, ['run', rel(NOTEBOOK), rel(out('run')), '--no-progress']), label: 'nbrun run' },
      env,
      prepare: () => removeFile(out('run')),
      verify: () => verifyExecuted(out('run')),
    },
    submit('nbrun submit --driver local --wait', 'local', ['--driver', 'local']),
    ...(docker
      ? [
          submit('nbrun submit --driver docker --wait', 'docker', ['--driver', 'docker', '--image', DOCKER_IMAGE, '--network', 'none']),
          // The floor under any docker job: the engine creating, starting and removing a container of the same image.
          { line: { label: DOCKER_FLOOR, cmd: 'docker', args: ['run', '--rm', '--network', 'none', '--entrypoint', '/usr/bin/node', DOCKER_IMAGE, '-e', '0'] }, env },
        ]
      : []),
  ];
}

/** @example const result = await jobsCase.run(ctx) */
export const jobsCase: BenchCase = {
  id: '10',
  title: 'A job as fast as a run: `nbrun submit --wait` beside `nbrun run`',
  async run(ctx) {
    const docker = hasDockerImage();
    const list = contenders(ctx, docker);
    ctx.log(`case 10: examples/helper-module, ${ctx.reps} repetitions${docker ? '' : ` (no docker image ${DOCKER_IMAGE}: docker skipped)`}`);
    const cmp = await compareCommands(list, ctx.reps, ctx.warmup, ctx.log);
    rmSync(join(ctx.outDir, 'case10', 'state'), { recursive: true, force: true });
    const labels = list.map((c) => c.line.label);
    const [run, local, dockerLabel] = labels as [string, string, string | undefined];
    const targets: TargetCheck[] = [{ label: `${local} ≤ 1.5 × nbrun run (wall)`, measured: cmp.wallRatio(local, run), limit: 1.5, comparison: '<=', unit: 'ratio' }];
    const notes: string[] = [];
    if (dockerLabel) {
      const extra = cmp.wall(dockerLabel).median - cmp.wall(run).median;
      targets.push({ label: `${dockerLabel} ≤ nbrun run + 1.5 s (wall)`, measured: extra, limit: 1500, comparison: '<=', unit: 'ms' });
      notes.push(`docker − run = ${formatMs(extra)} (median − median).`);
      const floor = cmp.wall(DOCKER_FLOOR).median;
      notes.push(
        `The engine alone (\`${DOCKER_FLOOR}\`) took ${formatMs(floor)}: nbrun's own cost of a docker job is docker − run − that = ${formatMs(extra - floor)}.`,
      );
    } else {
      notes.push(`No docker image ${DOCKER_IMAGE} (build it: pnpm -r run build && bash examples/docker/build-local-image.sh): docker was not measured.`);
    }
    return {
      id: '10',
      title: this.title,
      what:
        'examples/helper-module/train.ipynb (five small cells that import helpers.py and read data/numbers.csv), run by `nbrun run`, and ' +
        'submitted as a job with its files and waited for (`--wait`: the log followed, the executed notebook fetched and written), ' +
        `each as a fresh process, interleaved repetition by repetition. The jobs' state directory is bench/out/case10/state; docker runs \`${DOCKER_IMAGE}\` with no network.`,
      commands: commandList(list),
      tables: [comparisonTable(cmp, labels, run)],
      targets,
      notes,
    };
  },
};
