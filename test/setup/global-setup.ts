/**
 * Starts the servers the tests share, once per run, and hands their addresses to the
 * tests with `provide` (read them with `inject('jupyterUrl')` etc.).
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startJupyterServer, type JupyterServerHandle } from './jupyter-server.js';
import { startPostgres, type PostgresHandle } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    jupyterUrl: string;
    jupyterToken: string;
    /** A throwaway PostgreSQL cluster (the scheduler's tests create a database each). */
    postgresUrl: string;
  }
}

let jupyter: JupyterServerHandle | undefined;
let postgres: PostgresHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  jupyter = await startJupyterServer();
  project.provide('jupyterUrl', jupyter.url);
  project.provide('jupyterToken', jupyter.token);
  postgres = await startPostgres();
  project.provide('postgresUrl', postgres.url);
}

export async function teardown(): Promise<void> {
  await jupyter?.stop();
  await postgres?.stop();
}
