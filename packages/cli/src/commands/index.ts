/**
 * Every sub-command, by name. Add new commands here explicitly. Each is loaded only when
 * it runs: `nbrun run` must not pay for the Kubernetes, Docker and AWS clients at start-up.
 */
import type { CommandEntry } from '../command.js';

export const commands: CommandEntry[] = [
  { name: 'run', summary: 'execute a notebook and write the executed copy', load: async () => (await import('./run.js')).runCommand },
  { name: 'kernels', summary: 'list the kernels nbrun can start', load: async () => (await import('./kernels.js')).kernelsCommand },
  { name: 'inspect', summary: "list a notebook's parameters (names, types, defaults, help)", load: async () => (await import('./inspect.js')).inspectCommand },
  { name: 'render', summary: 'a notebook as one self-contained HTML page (sanitized; --no-input for a report)', load: async () => (await import('./render.js')).renderCommand },
  { name: 'test', summary: 'run notebooks as tests (JUnit XML, warm kernels)', load: async () => (await import('./test.js')).testCommand },
  { name: 'submit', summary: 'run a notebook as a job on a backend (local, docker, kubernetes, kubeflow, pytorchjob, ffdl)', load: async () => (await import('./submit.js')).submitCommand },
  { name: 'jobs', summary: 'list submitted jobs', load: async () => (await import('./jobs.js')).jobsCommand },
  { name: 'status', summary: "show a submitted job's state", load: async () => (await import('./jobs.js')).statusCommand },
  { name: 'logs', summary: "print a submitted job's log", load: async () => (await import('./jobs.js')).logsCommand },
  { name: 'fetch', summary: "download a job's executed notebook and result files", load: async () => (await import('./jobs.js')).fetchCommand },
  { name: 'cancel', summary: 'stop a submitted job (its partial notebook is kept)', load: async () => (await import('./jobs.js')).cancelCommand },
  { name: 'rm', summary: 'forget jobs and free what they keep (job dir, container, log)', load: async () => (await import('./jobs.js')).removeCommand },
  { name: 'serve', summary: 'run the service: a REST API that runs notebooks now and on a schedule', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'schedule', summary: 'schedules on the service: create, list, show, next, pause, resume, delete, run', load: async () => (await import('./schedule.js')).scheduleCommand },
  { name: 'runs', summary: "runs on the service: list, show, logs, fetch, cancel", load: async () => (await import('./runs.js')).runsCommand },
];
