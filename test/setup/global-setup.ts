/**
 * Starts the servers the tests share, once per run, and hands their addresses to the
 * tests with `provide` (read them with `inject('jupyterUrl')` etc.).
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startJupyterServer, type JupyterServerHandle } from './jupyter-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    jupyterUrl: string;
    jupyterToken: string;
  }
}

let jupyter: JupyterServerHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  jupyter = await startJupyterServer();
  project.provide('jupyterUrl', jupyter.url);
  project.provide('jupyterToken', jupyter.token);
}

export async function teardown(): Promise<void> {
  await jupyter?.stop();
}
