/** Every sub-command, by name. Add new commands here explicitly. */
import type { Command } from '../command.js';
import { inspectCommand } from './inspect.js';
import { kernelsCommand } from './kernels.js';
import { runCommand } from './run.js';
import { testCommand } from './test.js';
// jobs on backends (drivers)
import { cancelCommand, fetchCommand, jobsCommand, logsCommand, removeCommand, statusCommand } from './jobs.js';
import { submitCommand } from './submit.js';

export const commands: Command[] = [
  runCommand,
  kernelsCommand,
  inspectCommand,
  testCommand,
  submitCommand,
  jobsCommand,
  statusCommand,
  logsCommand,
  fetchCommand,
  cancelCommand,
  removeCommand,
];
