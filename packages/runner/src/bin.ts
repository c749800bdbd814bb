#!/usr/bin/env node
/**
 * `nbrun-runner` entrypoint: the command inside a batch job's container.
 * Exits explicitly so a lingering socket or timer can never keep a finished job alive.
 */
import { runRunner } from './main.js';

runRunner(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`nbrun-runner: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(70);
  },
);
