/** `nbrun` as a library: the CLI's `main`, for tools that embed the command. */
export { main } from './main.js';
export type { Command, CommandEntry, CommandIO } from './command.js';
