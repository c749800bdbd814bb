/** Runs several command lines side by side, interleaved repetition by repetition. */
import { relative } from 'node:path';
import { measureProcess, type ProcessSample } from './measure.js';
import { formatKb, formatMs, formatRatio, formatSummary, summarize, type Summary } from './stats.js';
import { ROOT, displayCommand, type CommandLine } from './tools.js';
import type { Table } from '../cases/types.js';

/** A command under test, with what to do before each run and how to check its output after. */
export interface Contender {
  line: CommandLine;
  /** Environment of the command. Default: the harness's own. */
  env?: NodeJS.ProcessEnv;
  /** Called before each run (e.g. remove the previous output). */
  prepare?(): void;
  /** Called after each run; throws when the output is wrong. */
  verify?(): void;
}

/** Samples per contender label, and each label's summaries. */
export interface Comparison {
  samples: Map<string, ProcessSample[]>;
  wall(label: string): Summary;
  cpu(label: string): Summary;
  mainCpu(label: string): Summary;
  mainPeak(label: string): Summary;
  treePeak(label: string): Summary;
  /** Ratio of medians: wall(a) / wall(b). */
  wallRatio(a: string, b: string): number;
}

/**
 * Runs each contender `reps` times, in the order A B C A B C … so that machine noise
 * spreads over all of them; the first `warmup` rounds are run but not recorded.
 * @example const cmp = await compareCommands([{ line: nbclientRun([[a, b]]) }], 5, 1, console.error)
 */
export async function compareCommands(
  contenders: Contender[],
  reps: number,
  warmup: number,
  log: (msg: string) => void,
): Promise<Comparison> {
  const samples = new Map<string, ProcessSample[]>(contenders.map((c) => [c.line.label, []]));
  for (let round = 0; round < warmup + reps; round++) {
    for (const c of contenders) {
      c.prepare?.();
      const sample = await measureProcess(c.line.cmd, c.line.args, { cwd: ROOT, ...(c.env ? { env: c.env } : {}) });
      c.verify?.();
      const tag = round < warmup ? 'warm-up' : `rep ${round - warmup + 1}/${reps}`;
      log(`  ${c.line.label.padEnd(30)} ${tag.padEnd(9)} ${formatMs(sample.wallMs).padStart(9)}  cpu ${formatMs(sample.mainCpuMs).padStart(7)} + kernel = ${formatMs(sample.cpuMs).padStart(7)}  main ${formatKb(sample.mainPeakKb)}`);
      if (round >= warmup) samples.get(c.line.label)!.push(sample);
    }
  }
  const of = (label: string, pick: (s: ProcessSample) => number): Summary => summarize((samples.get(label) ?? []).map(pick));
  return {
    samples,
    wall: (label) => of(label, (s) => s.wallMs),
    cpu: (label) => of(label, (s) => s.cpuMs),
    mainCpu: (label) => of(label, (s) => s.mainCpuMs),
    mainPeak: (label) => of(label, (s) => s.mainPeakKb),
    treePeak: (label) => of(label, (s) => s.treePeakKb),
    wallRatio: (a, b) => of(a, (s) => s.wallMs).median / of(b, (s) => s.wallMs).median,
  };
}

/**
 * The standard table of a comparison: wall time, the ratio of each median wall time to
 * `baseline`'s, CPU time, peak memory of the main process and of the whole tree.
 * @example comparisonTable(cmp, ['nbrun (built)', 'nbclient'], 'nbclient', { count: 300, unit: 'cell' })
 */
export function comparisonTable(cmp: Comparison, labels: string[], baseline: string, perUnit?: { count: number; unit: string }): Table {
  const headers = ['tool', 'wall median (min–max)', ...(perUnit ? [`per ${perUnit.unit}`] : []), `÷ ${baseline}`, 'CPU main process', 'CPU incl. kernel', 'peak RSS main process', 'peak RSS process tree'];
  const rows = labels.map((label) => {
    const wall = cmp.wall(label);
    return [
      label,
      formatSummary(wall, formatMs),
      ...(perUnit ? [formatMs(wall.median / perUnit.count)] : []),
      formatRatio(cmp.wallRatio(label, baseline)),
      formatMs(cmp.mainCpu(label).median),
      formatMs(cmp.cpu(label).median),
      formatSummary(cmp.mainPeak(label), formatKb),
      formatSummary(cmp.treePeak(label), formatKb),
    ];
  });
  return { headers, rows };
}

/**
 * The exact command lines of the contenders, for the report.
 * @example commandList(contenders) // ['# nbclient\n/usr/bin/python3 bench/nbclient_run.py a.ipynb b.ipynb']
 */
export function commandList(contenders: Contender[]): string[] {
  const envOf = (c: Contender): string =>
    c.env?.IPYTHONDIR && c.env.IPYTHONDIR !== process.env.IPYTHONDIR ? `IPYTHONDIR=${relative(ROOT, c.env.IPYTHONDIR)} ` : '';
  return contenders.map((c) => `# ${c.line.label}\n${envOf(c)}${displayCommand(c.line)}`);
}
