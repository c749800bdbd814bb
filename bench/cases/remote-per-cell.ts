/** Case 4: time per trivial cell through a Jupyter Server on loopback, one cell at a time. */
import { performance } from 'node:perf_hooks';
import { startJupyterServer, type JupyterServerHandle } from '../../test/setup/jupyter-server.js';
import { codeCells, codeNotebook, expectOutput } from '../lib/notebooks.js';
import { memoryHistoryIpythonDir } from '../lib/ipython.js';
import { profileInProcess, renderProfile, summarizeProfile } from '../lib/profile.js';
import { formatMs, formatSummary, summarize } from '../lib/stats.js';
import type { BenchCase, BenchContext, CoreModule } from './types.js';
import type { Gateway, Notebook, RemoteGatewayOptions } from '@nbrun/core';

/** A way to reach kernels for this case. */
interface Variant {
  label: string;
  /** Which Jupyter Server: kernels with IPython's default on-disk history, or with it in memory. */
  server: 'disk-history' | 'memory-history';
  /** The `gateway` run option (a new gateway per run). */
  gateway(core: CoreModule, server: JupyterServerHandle): Gateway | RemoteGatewayOptions | undefined;
  /** Extra kernel environment (embedded kernels only). */
  env?: (ctx: BenchContext) => Record<string, string>;
}

const VARIANTS: Variant[] = [
  { label: 'nbrun remote (default: pong cure on)', server: 'disk-history', gateway: (_core, server) => ({ url: server.url, token: server.token }) },
  {
    label: 'nbrun remote, pong cure off',
    server: 'disk-history',
    gateway: (core, server) => core.createRemoteGateway({ url: server.url, token: server.token }, { ackEveryFrame: false }),
  },
  {
    label: 'nbrun remote, pong cure on, kernel history in memory',
    server: 'memory-history',
    gateway: (_core, server) => ({ url: server.url, token: server.token }),
  },
  { label: 'nbrun embedded (reference)', server: 'disk-history', gateway: () => undefined },
  {
    label: 'nbrun embedded, kernel history in memory',
    server: 'disk-history',
    gateway: () => undefined,
    env: (ctx) => ({ IPYTHONDIR: memoryHistoryIpythonDir(ctx.outDir) }),
  },
];

interface CellTiming {
  /** (last cell-end − first cell-start) / cells: what a caller waits per cell. */
  perCellMs: number;
  /** Median of nbrun's own per-cell durations. */
  medianCellMs: number;
  /** CPU time of this (node) process per cell, user + system: nbrun's own cost, whatever the machine load. */
  cpuPerCellMs: number;
  /** Every cell started after the previous one ended. */
  sequential: boolean;
}

function cellCount(ctx: BenchContext): number {
  return ctx.quick ? 50 : 200;
}

/** Runs the notebook once through `gateway` and times its cells from the event stream. */
async function timeCells(
  core: CoreModule,
  nb: Notebook,
  gateway: Gateway | RemoteGatewayOptions | undefined,
  env?: Record<string, string>,
): Promise<CellTiming> {
  let first = Number.NaN;
  let last = Number.NaN;
  let cpuStart: NodeJS.CpuUsage | undefined;
  let cpuUsed: NodeJS.CpuUsage | undefined;
  let ended = -1;
  let sequential = true;
  const durations: number[] = [];
  const events = core.streamNotebook(nb, { ...(gateway ? { gateway } : {}), ...(env ? { env } : {}) });
  for await (const ev of events) {
    if (ev.type === 'cell-start') {
      if (Number.isNaN(first)) {
        first = performance.now();
        cpuStart = process.cpuUsage();
      }
      if (ev.index !== ended + 1 && ended >= 0) sequential = false;
    } else if (ev.type === 'cell-end') {
      last = performance.now();
      cpuUsed = process.cpuUsage(cpuStart);
      ended = ev.index;
      durations.push(ev.durationMs);
    } else if (ev.type === 'run-end') {
      if (ev.result.error) throw ev.result.error;
      const cells = codeCells(ev.result.notebook);
      expectOutput(cells.every((c) => c.execution_count !== null), 'case 4: a cell was not executed');
    }
  }
  expectOutput(durations.length === nb.cells.length, `case 4: ${durations.length} of ${nb.cells.length} cells ended`);
  const cpuMs = cpuUsed ? (cpuUsed.user + cpuUsed.system) / 1000 : Number.NaN;
  return { perCellMs: (last - first) / durations.length, medianCellMs: summarize(durations).median, cpuPerCellMs: cpuMs / durations.length, sequential };
}

async function dispose(gateway: Gateway | RemoteGatewayOptions | undefined): Promise<void> {
  if (gateway && 'dispose' in gateway && typeof gateway.dispose === 'function') await gateway.dispose();
}

/** @example const result = await remotePerCellCase.run(ctx) */
export const remotePerCellCase: BenchCase = {
  id: '4',
  title: 'Per-cell latency through a Jupyter Server (remote gateway)',
  async run(ctx) {
    const core = await ctx.loadCore();
    const cells = cellCount(ctx);
    const nb = codeNotebook(Array.from({ length: cells }, () => 'x = 1'));
    const servers = {
      'disk-history': await startJupyterServer(),
      'memory-history': await startJupyterServer({ env: { IPYTHONDIR: memoryHistoryIpythonDir(ctx.outDir) } }),
    };
    const timings = new Map<string, CellTiming[]>(VARIANTS.map((v) => [v.label, []]));
    try {
      ctx.log(`case 4: ${cells} cells, ${ctx.reps} repetitions, Jupyter Servers at ${servers['disk-history'].url} and ${servers['memory-history'].url}`);
      for (let rep = 0; rep < ctx.reps; rep++) {
        for (const variant of VARIANTS) {
          const gateway = variant.gateway(core, servers[variant.server]);
          try {
            const t = await timeCells(core, nb, gateway, variant.env?.(ctx));
            timings.get(variant.label)!.push(t);
            ctx.log(`  ${variant.label.padEnd(52)} rep ${rep + 1}/${ctx.reps} ${formatMs(t.perCellMs)}/cell`);
          } finally {
            await dispose(gateway);
          }
        }
      }
    } finally {
      await Promise.all(Object.values(servers).map((s) => s.stop()));
    }
    const perCell = (label: string) => summarize(timings.get(label)!.map((t) => t.perCellMs));
    const headline = VARIANTS[0]!.label;
    const allSequential = [...timings.values()].flat().every((t) => t.sequential);
    return {
      id: '4',
      title: this.title,
      what:
        `${cells} cells of \`x = 1\` run through the API (\`streamNotebook(nb, { gateway: { url, token } })\`) against Debian's ` +
        'Jupyter Server 1.23 on 127.0.0.1, one cell at a time. Time per cell = (end of the last cell − start of the first) / cells, ' +
        'taken from the event stream in the same process, so kernel start is excluded; "node CPU per cell" is `process.cpuUsage()` over the same span — what nbrun itself spends, the rest of the wall time is waiting for the server and the kernel. The "pong cure off" row uses ' +
        "`createRemoteGateway(opts, { ackEveryFrame: false })`; the embedded rows are nbrun's default gateway (ZeroMQ, no server), for reference. " +
        'The "kernel history in memory" rows give the kernels an IPython profile with `c.HistoryManager.hist_file = \':memory:\'` ' +
        '(a second Jupyter Server started with that IPYTHONDIR; `env: { IPYTHONDIR }` for embedded kernels): by default IPython commits every cell to a SQLite file ' +
        'from a thread that holds the lock the next cell needs before it can run (IPython/core/history.py, `writeout_cache`). ' +
        'nbclient cannot use a remote server, so it has no row here (its per-cell cost over ZeroMQ is in case 2).',
      commands: [
        `// Jupyter Server: test/setup/jupyter-server.ts startJupyterServer() (python3 -m jupyter_server on a random loopback port, random token)`,
        `// @nbrun/core loaded from ${ctx.coreFlavour === 'dist' ? 'packages/core/dist/index.js (built)' : 'packages/core/src (tsx)'}`,
        `for await (const ev of streamNotebook(nb, { gateway: { url, token } })) { /* cell-start / cell-end timestamps */ }`,
        `for await (const ev of streamNotebook(nb, { gateway: createRemoteGateway({ url, token }, { ackEveryFrame: false }) })) { … }`,
        `for await (const ev of streamNotebook(nb)) { … } // embedded`,
      ],
      tables: [
        {
          headers: ['gateway', 'time per cell, median (min–max)', "median of nbrun's cell durations", 'node CPU per cell (nbrun itself)'],
          rows: VARIANTS.map((v) => [
            v.label,
            formatSummary(perCell(v.label), formatMs),
            formatMs(summarize(timings.get(v.label)!.map((t) => t.medianCellMs)).median),
            formatMs(summarize(timings.get(v.label)!.map((t) => t.cpuPerCellMs)).median),
          ]),
        },
      ],
      targets: [{ label: `${headline}: ≤ 8 ms per trivial cell`, measured: perCell(headline).median, limit: 8, comparison: '<=', unit: 'ms' }],
      notes: [`Every cell was sent only after the previous one ended: ${allSequential ? 'yes (checked from the event order)' : 'NO'}.`],
    };
  },
  async profile(ctx) {
    const core = await ctx.loadCore();
    const nb = codeNotebook(Array.from({ length: cellCount(ctx) }, () => 'x = 1'));
    const server = await startJupyterServer();
    try {
      const { profile, value } = await profileInProcess(() => timeCells(core, nb, { url: server.url, token: server.token }));
      return renderProfile(summarizeProfile(profile), `In-process profile of one remote run (${formatMs(value.perCellMs)}/cell)`);
    } finally {
      await server.stop();
    }
  },
};
