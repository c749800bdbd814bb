/** What a benchmark case is given and what it hands back to the report. */
import type { CliFlavour } from '../lib/tools.js';

/** @nbrun/core as loaded for the API cases (the built bundle when it exists, else the sources). */
export type CoreModule = typeof import('@nbrun/core');

export interface BenchContext {
  /** bench/out: generated notebooks and outputs (gitignored). */
  outDir: string;
  /** Recorded repetitions for the cheap cases. */
  reps: number;
  /** Recorded repetitions for the slow cases (5 and the warm-kernel one). */
  heavyReps: number;
  /** Unrecorded warm-up rounds before the first case. */
  warmup: number;
  /** Smoke mode: smaller sizes, one repetition, no profiles. */
  quick: boolean;
  /** Profile the nbrun side of a case whose target was missed. */
  profile: boolean;
  /** The CLI used for the headline numbers, and the other one if it is measured too. */
  cli: CliFlavour;
  alsoTsx: boolean;
  /** Loads @nbrun/core (the same module every time). */
  loadCore(): Promise<CoreModule>;
  /** Which @nbrun/core was loaded: 'dist' or 'src'. */
  coreFlavour: 'dist' | 'src';
  log(msg: string): void;
}

export interface Table {
  /** Shown above the table when a case has several. */
  caption?: string;
  headers: string[];
  rows: string[][];
}

/** One target of the issue, checked against a number measured in this run. */
export interface TargetCheck {
  /** E.g. 'nbrun ≤ 0.8 × jupyter execute (wall)'. */
  label: string;
  measured: number;
  limit: number;
  comparison: '<=' | '>=';
  /** How `measured` and `limit` print: a ratio ('0.73×'), milliseconds, MiB or a percentage ('0.42 %'). */
  unit: 'ratio' | 'ms' | 'MiB' | '%';
}

export interface CaseResult {
  id: string;
  title: string;
  /** What is measured and how, one paragraph of markdown. */
  what: string;
  /** The exact commands (or API calls) measured. */
  commands: string[];
  tables: Table[];
  targets: TargetCheck[];
  notes: string[];
  /** Markdown summary of a CPU profile of the nbrun side, when a target was missed. */
  profile?: string;
}

export interface BenchCase {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<CaseResult>;
  /** Profiles the nbrun side once; called when one of the case's targets was missed. */
  profile?(ctx: BenchContext): Promise<string>;
}

/**
 * Whether a target is met.
 * @example isMet({ label: 'x', measured: 0.7, limit: 0.8, comparison: '<=', unit: 'ratio' }) // true
 */
export function isMet(t: TargetCheck): boolean {
  return t.comparison === '<=' ? t.measured <= t.limit : t.measured >= t.limit;
}
