/**
 * @nbrun/scheduler/client — a typed fetch client of the nbrun service (no server code loaded).
 * Every public export is listed here by name.
 */
export { ServiceClient, ServiceError, DEFAULT_SERVER_URL } from './client.js';
export type { ClientOptions, InlineNotebook, BundledNotebook, NextRuns, Page } from './client.js';
export type { Schedule, ScheduleCreate, SchedulePatch, Run, RunState, OneOffRun, Trigger } from '../model.js';
