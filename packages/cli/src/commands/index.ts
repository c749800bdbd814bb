/** Every sub-command, by name. Add new commands here explicitly. */
import type { Command } from '../command.js';
import { kernelsCommand } from './kernels.js';
import { runCommand } from './run.js';

export const commands: Command[] = [runCommand, kernelsCommand];
