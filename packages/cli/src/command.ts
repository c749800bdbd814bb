/**
 * The shape every `nbrun` sub-command has. Commands are listed explicitly in
 * `commands/index.ts` (no registration by import side effect).
 */
export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on the first SIGINT/SIGTERM/SIGHUP; `signalName` says which. */
  signal: AbortSignal;
  signalName(): 'SIGINT' | 'SIGTERM' | 'SIGHUP' | undefined;
}

/** A command's body, loaded when it runs; its name and summary live in `commands/index.ts`. */
export interface Command {
  usage: string;
  /** Returns the exit code. Throw an NbrunError for a user-facing failure. */
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** A command as listed: name and summary at once, the rest loaded when it runs. */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}
