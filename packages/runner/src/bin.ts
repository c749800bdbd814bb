#!/usr/bin/env node
/**
 * `nbrun-runner` entrypoint: the command inside a batch job's container (or, with
 * `--host DIR`, the local driver's long-lived runner host: see host.ts).
 * Exits explicitly so a lingering socket or timer can never keep a finished job alive.
 */
import { runHost } from './host.js';
import { runRunner } from './main.js';

const argv = process.argv.slice(2);
(argv[0] === '--host' && argv.length === 2 ? runHost(argv[1]!) : runRunner(argv)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`nbrun-runner: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(70);
  },
);
