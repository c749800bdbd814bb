#!/usr/bin/env node
/**
 * `nbrun` entrypoint: dispatches to a sub-command, turns errors into one line on
 * stderr and a documented exit code, and turns SIGINT/SIGTERM into cancellation.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
