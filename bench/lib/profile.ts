/**
 * CPU profiles of the nbrun side (`node --cpu-prof` for the CLI, the inspector for API
 * runs) and a markdown summary of where the time goes.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { measureProcess } from './measure.js';
import { formatMs } from './stats.js';
import { ROOT, displayCommand, type CommandLine } from './tools.js';

/** The V8 CPU profile format written by `--cpu-prof` and `Profiler.stop`. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Runs a node command line once more with `--cpu-prof` and returns its profile.
 * @example const p = await profileCommand(nbrunRun('built', a, b), 'bench/out/profiles/case1')
 */
export async function profileCommand(line: CommandLine, dir: string): Promise<{ profile: CpuProfile; command: string; wallMs: number }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...line.args];
  const sample = await measureProcess(line.cmd, args, { cwd: ROOT });
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().pop();
  if (!file) throw new Error(`node --cpu-prof wrote no profile into ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  return { profile, command: displayCommand({ ...line, args }), wallMs: sample.wallMs };
}

/**
 * Profiles `fn` in this process through the inspector (1 ms sampling).
 * @example const { profile } = await profileInProcess(() => runNotebook(nb, { gateway }))
 */
export async function profileInProcess<T>(fn: () => Promise<T>): Promise<{ profile: CpuProfile; value: T }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    await session.post('Profiler.start');
    const value = await fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    return { profile, value };
  } finally {
    session.disconnect();
  }
}

/** Self time per category and per function, in ms. */
export interface ProfileSummary {
  totalMs: number;
  categories: [name: string, ms: number][];
  functions: [name: string, ms: number][];
}

/**
 * Attributes each sample's time to the function on top of the stack, grouped by where the
 * code lives: idle, GC, node internals, a dependency, or an nbrun package file.
 * @example summarizeProfile(profile).categories[0] // ['(idle: …)', 658]
 */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const loading = new Map<number, boolean>();
  // A sample anywhere below node's module loader counts as start-up cost, whatever runs on top.
  const isLoading = (id: number): boolean => {
    const known = loading.get(id);
    if (known !== undefined) return known;
    const url = byId.get(id)?.callFrame.url ?? '';
    const up = parent.get(id);
    const value = url.startsWith('node:internal/modules/') || (up !== undefined && isLoading(up));
    loading.set(id, value);
    return value;
  };
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node || us <= 0) return;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const category = isLoading(id) ? MODULE_LOADING : categorize(functionName, url);
    categories.set(category, (categories.get(category) ?? 0) + us);
    const fn = url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName || '(anonymous)';
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  });
  const top = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / 1000]);
  return { totalMs: totalUs / 1000, categories: top(categories), functions: top(functions) };
}

/**
 * The summary as markdown: two small tables (categories, top functions by self time).
 * @example renderProfile(summarizeProfile(profile), '`nbrun run a.ipynb b.ipynb`')
 */
export function renderProfile(summary: ProfileSummary, heading: string, topN = 12): string {
  const pct = (ms: number): string => `${((100 * ms) / summary.totalMs).toFixed(1)} %`;
  const lines = [
    `${heading} — ${formatMs(summary.totalMs)} sampled on the main thread.`,
    '',
    '| where (self time) | ms | share |',
    '|---|---:|---:|',
    ...summary.categories.slice(0, topN).map(([name, ms]) => `| ${escapeCell(name)} | ${ms.toFixed(0)} | ${pct(ms)} |`),
    '',
    '| top functions (self time) | ms | share |',
    '|---|---:|---:|',
    ...summary.functions.slice(0, topN).map(([name, ms]) => `| \`${escapeCell(name)}\` | ${ms.toFixed(0)} | ${pct(ms)} |`),
  ];
  return lines.join('\n');
}

const MODULE_LOADING = 'module loading (import/require: read, compile, run module bodies)';

function categorize(functionName: string, url: string): string {
  if (functionName === '(idle)') return '(idle: waiting for the kernel, sockets, timers)';
  if (functionName === '(garbage collector)') return '(garbage collector)';
  if (functionName === '(program)') return '(program: V8 compiling/native code)';
  if (!url) return `(native) ${functionName || ''}`.trim();
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return `dep ${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const pkg = /\/packages\/([^/]+)\/(.*)$/.exec(url);
  if (pkg) return `nbrun ${pkg[1]}: ${pkg[2]}`;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('/node_modules/');
  if (nm >= 0) return clean.slice(nm + 14).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
  return clean.startsWith(ROOT) ? clean.slice(ROOT.length) : clean.split('/').slice(-2).join('/');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
