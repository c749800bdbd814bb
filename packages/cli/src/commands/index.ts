/** Every sub-command, by name. Add new commands here explicitly. */
import type { Command } from '../command.js';

export const commands: Command[] = [];
