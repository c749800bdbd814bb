/**
 * @nbrun/scheduler — the service: schedules and runs of notebooks, stored in SQLite or
 * PostgreSQL, dispatched through the drivers. Every public export is listed here by name.
 */
// model (TypeBox schemas and their types)
export {
  CronTriggerSchema, IntervalTriggerSchema, TriggerSchema, CatchupSchema, ConcurrencyPolicySchema, DriverSelectionSchema,
  RetriesSchema, RetentionSchema, ScheduleCreateSchema, SchedulePatchSchema, ScheduleSchema, RunStateSchema, RunTriggerSchema,
  RunErrorSchema, FailedCellSchema, RunSchema, OneOffRunSchema, FINAL_RUN_STATES, SCHEDULE_DEFAULTS,
} from './model.js';
export type {
  CronTrigger, IntervalTrigger, Trigger, Catchup, ConcurrencyPolicy, DriverSelection, Retries, Retention, ScheduleCreate,
  SchedulePatch, Schedule, RunState, RunTrigger, RunError, FailedCellInfo, Run, OneOffRun,
} from './model.js';

// service interface and errors
export { SchedulerError } from './service.js';
export type {
  Snapshot, SchedulerService, SchedulerErrorStatus, SchedulerErrorCode, ListSchedulesQuery, ListRunsQuery, Page, OpenSchedulerOptions,
  IdempotencyStore, IdempotencyRecord, IdempotentResult,
} from './service.js';

// time
export { systemClock, ManualClock } from './clock.js';
export type { Clock } from './clock.js';

// fire times (cron with the DST rules of the README, intervals)
export { fireTimes, nextFireTimes, parseCronFields, checkTimezone } from './fire-times.js';
export type { FireTimes } from './fire-times.js';

// the service
export { openScheduler, Scheduler } from './scheduler.js';
export type { EngineTuning } from './scheduler.js';
export { openDatabase } from './store/db.js';
export type { Database, Queryable } from './store/db.js';
export { SCHEMA_VERSION } from './store/migrations.js';
