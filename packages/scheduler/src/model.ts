/**
 * The scheduler's data model: TypeBox schemas (JSON Schema, so the REST API validates with
 * them and generates its OpenAPI document from them) and their static types.
 *
 * The schemas check shapes only; semantics (a cron expression parses, a zone exists, driver
 * options fit the driver's schema) are checked by the service, so every surface gets them.
 */
import { FormatRegistry, Type, type Static } from '@sinclair/typebox';

// TypeBox's own checker (Value.Check) knows no formats until they are registered.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v) && !Number.isNaN(Date.parse(v)));
}

const DateTime = (description: string) => Type.String({ format: 'date-time', description });

/** `{ cron, timezone }`: a 5-field cron expression in an IANA zone (default `UTC`). */
export const CronTriggerSchema = Type.Object(
  {
    cron: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Five-field cron expression (minute hour day-of-month month day-of-week); day-of-month and day-of-week are OR-ed when both are restricted (Vixie cron). No TZ=/CRON_TZ= prefix: use timezone.',
      examples: ['0 6 * * *'],
    }),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'IANA time zone, default UTC.', examples: ['Europe/Berlin'] })),
  },
  { additionalProperties: false, description: 'Fires at the times a cron expression names, in a time zone.' },
);
export type CronTrigger = Static<typeof CronTriggerSchema>;

/** `{ intervalSeconds }`: every N seconds of elapsed time. */
export const IntervalTriggerSchema = Type.Object(
  { intervalSeconds: Type.Integer({ minimum: 1, description: 'Seconds of elapsed time between ticks (>= 1), unaffected by DST.' }) },
  { additionalProperties: false, description: 'Fires every intervalSeconds of elapsed time, from the schedule\'s start.' },
);
export type IntervalTrigger = Static<typeof IntervalTriggerSchema>;

/** When a schedule fires; `null` means on demand only. */
export const TriggerSchema = Type.Union([CronTriggerSchema, IntervalTriggerSchema], { description: 'A cron trigger or an interval trigger.' });
export type Trigger = Static<typeof TriggerSchema>;

export const CatchupSchema = Type.Union([Type.Literal('latest'), Type.Literal('all'), Type.Literal('none')], {
  description: 'Ticks missed while the service was down: latest = one run for the most recent, all = one per tick in order (at most 100), none = none.',
});
export type Catchup = Static<typeof CatchupSchema>;

export const ConcurrencyPolicySchema = Type.Union(
  [Type.Literal('forbid'), Type.Literal('allow'), Type.Literal('queue'), Type.Literal('replace')],
  { description: 'A tick while a run is active: forbid = recorded as skipped, queue = at most one waiting run, replace = cancel the running one, allow = up to maxConcurrency at once.' },
);
export type ConcurrencyPolicy = Static<typeof ConcurrencyPolicySchema>;

export const DriverSelectionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 50, description: 'Driver name: local, docker, kubernetes, kubeflow, pytorchjob, ffdl.' }),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Options of that driver (camelCase, validated by the driver's schema)." })),
    image: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'Container image of the runs (docker, kubernetes, kubeflow, pytorchjob), as `nbrun submit --image`; default nbrun-runner:latest.' }),
    ),
  },
  { additionalProperties: false, description: 'Where runs go.' },
);
export type DriverSelection = Static<typeof DriverSelectionSchema>;

export const RetriesSchema = Type.Object(
  {
    max: Type.Integer({ minimum: 0, maximum: 100, description: 'Retries after a failed or lost run (0 = none).' }),
    backoffSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86400, description: 'Delay before the first retry; doubles with each further one. Default 60.' })),
  },
  { additionalProperties: false },
);
export type Retries = Static<typeof RetriesSchema>;

export const RetentionSchema = Type.Object(
  { maxRuns: Type.Integer({ minimum: 1, maximum: 100000, description: 'Finished runs kept per schedule; older ones and their artifacts are deleted. Default 100.' }) },
  { additionalProperties: false },
);
export type Retention = Static<typeof RetentionSchema>;

const Parameters = Type.Record(Type.String(), Type.Unknown(), { description: "Values injected after the notebook's parameters cell." });
const Seconds = (description: string) => Type.Number({ exclusiveMinimum: 0, description });

/** Fields a schedule is created with (the notebook and its files travel beside them, as a {@link Snapshot}). */
const scheduleFields = {
  name: Type.String({ minLength: 1, maxLength: 200, description: 'A name for people.' }),
  parameters: Type.Optional(Parameters),
  kernel: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Kernelspec name; default the notebook's own." })),
  driver: Type.Optional(DriverSelectionSchema),
  cellTimeoutSeconds: Type.Optional(Seconds('Per-cell timeout.')),
  runTimeoutSeconds: Type.Optional(Seconds('Whole-run timeout.')),
  trigger: Type.Optional(Type.Union([TriggerSchema, Type.Null()], { description: 'When it fires; null = on demand only.' })),
  startAt: Type.Optional(Type.Union([DateTime('No tick before this time.'), Type.Null()])),
  endAt: Type.Optional(Type.Union([DateTime('No tick after this time.'), Type.Null()])),
  catchup: Type.Optional(CatchupSchema),
  startingDeadlineSeconds: Type.Optional(Type.Integer({ minimum: 0, description: 'A tick not started within this many seconds of its time becomes a missed run. Default 86400.' })),
  concurrencyPolicy: Type.Optional(ConcurrencyPolicySchema),
  maxConcurrency: Type.Optional(Type.Union([Type.Integer({ minimum: 1, description: 'Active runs at most, with concurrencyPolicy allow.' }), Type.Null()])),
  retries: Type.Optional(RetriesSchema),
  paused: Type.Optional(Type.Boolean({ description: 'A paused schedule drops its ticks.' })),
  retention: Type.Optional(RetentionSchema),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'Labels to filter schedules by.' })),
};

/** What `POST /schedules` takes (besides the notebook). */
export const ScheduleCreateSchema = Type.Object(scheduleFields, { additionalProperties: false });
export type ScheduleCreate = Static<typeof ScheduleCreateSchema>;

/** What `PATCH /schedules/{id}` takes: any field of a schedule; `trigger: null` makes it on demand. */
export const SchedulePatchSchema = Type.Partial(ScheduleCreateSchema, { additionalProperties: false });
export type SchedulePatch = Static<typeof SchedulePatchSchema>;

export const RunStateSchema = Type.Union(
  [
    Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'),
    Type.Literal('cancelled'), Type.Literal('skipped'), Type.Literal('missed'), Type.Literal('lost'),
  ],
  { description: 'queued → running → succeeded | failed | cancelled | lost; skipped and missed are ticks that did not run.' },
);
export type RunState = Static<typeof RunStateSchema>;

/** States a run never leaves. */
export const FINAL_RUN_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled', 'skipped', 'missed', 'lost'];

export const RunTriggerSchema = Type.Union(
  [Type.Literal('cron'), Type.Literal('interval'), Type.Literal('manual'), Type.Literal('api'), Type.Literal('retry'), Type.Literal('catchup')],
  { description: 'What started the run.' },
);
export type RunTrigger = Static<typeof RunTriggerSchema>;

/** A schedule as stored and returned: every field filled in. */
export const ScheduleSchema = Type.Object(
  {
    id: Type.String(),
    name: scheduleFields.name,
    parameters: Parameters,
    kernel: Type.Union([Type.String(), Type.Null()]),
    driver: Type.Object({ name: Type.String(), options: Type.Record(Type.String(), Type.Unknown()) }),
    cellTimeoutSeconds: Type.Union([Type.Number(), Type.Null()]),
    runTimeoutSeconds: Type.Union([Type.Number(), Type.Null()]),
    trigger: Type.Union([TriggerSchema, Type.Null()]),
    startAt: Type.Union([DateTime('No tick before this time.'), Type.Null()]),
    endAt: Type.Union([DateTime('No tick after this time.'), Type.Null()]),
    catchup: CatchupSchema,
    startingDeadlineSeconds: Type.Integer(),
    concurrencyPolicy: ConcurrencyPolicySchema,
    maxConcurrency: Type.Union([Type.Integer(), Type.Null()]),
    retries: Type.Object({ max: Type.Integer(), backoffSeconds: Type.Number() }),
    paused: Type.Boolean(),
    retention: Type.Object({ maxRuns: Type.Integer() }),
    tags: Type.Array(Type.String()),
    snapshot: Type.Object(
      { notebook: Type.String({ description: "The notebook's file name." }), files: Type.Array(Type.String(), { description: 'Its files, relative paths.' }) },
      { description: 'The notebook and files the runs execute (replaced by PATCH with a new notebook).' },
    ),
    createdAt: DateTime('When it was created.'),
    updatedAt: DateTime('When it was last changed.'),
    nextRuns: Type.Array(DateTime('A coming tick (UTC).'), { description: 'The next ticks (up to 5), empty when paused, ended or on demand.' }),
    lastRun: Type.Optional(Type.Object({ id: Type.String(), state: RunStateSchema })),
  },
  { additionalProperties: false },
);
export type Schedule = Static<typeof ScheduleSchema>;

export const RunErrorSchema = Type.Object({ code: Type.String(), message: Type.String() });
export type RunError = Static<typeof RunErrorSchema>;

export const FailedCellSchema = Type.Object({
  cellIndex: Type.Integer({ description: 'Index in the notebook (0-based).' }),
  cellId: Type.Optional(Type.String()),
  executionCount: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
});
export type FailedCellInfo = Static<typeof FailedCellSchema>;

/** One run: a tick of a schedule, a manual run, or a one-off run. */
export const RunSchema = Type.Object(
  {
    id: Type.String(),
    scheduleId: Type.Union([Type.String(), Type.Null()], { description: 'null for a one-off run.' }),
    name: Type.Union([Type.String(), Type.Null()], {
      description: "The schedule's name when the run was created (a one-off run: its own name, or null).",
    }),
    trigger: RunTriggerSchema,
    scheduledFor: DateTime('The tick this run is for (the request time for manual and api runs).'),
    attempt: Type.Integer({ minimum: 1, description: '1, then 2, 3… for retries.' }),
    state: RunStateSchema,
    jobId: Type.Union([Type.String(), Type.Null()], { description: "The driver's job id, once submitted." }),
    createdAt: DateTime('When the row was written.'),
    startedAt: Type.Union([DateTime('When it was submitted to the driver.'), Type.Null()]),
    finishedAt: Type.Union([DateTime('When it ended.'), Type.Null()]),
    exitCode: Type.Union([Type.Integer(), Type.Null()], { description: "The runner's exit code." }),
    error: Type.Union([RunErrorSchema, Type.Null()]),
    failedCell: Type.Union([FailedCellSchema, Type.Null()]),
    parameters: Parameters,
  },
  { additionalProperties: false },
);
export type Run = Static<typeof RunSchema>;

/** What `POST /runs` takes (besides the notebook): a schedule's fields without trigger and timing. */
export const OneOffRunSchema = Type.Object(
  {
    name: Type.Optional(scheduleFields.name),
    parameters: scheduleFields.parameters,
    kernel: scheduleFields.kernel,
    driver: scheduleFields.driver,
    cellTimeoutSeconds: scheduleFields.cellTimeoutSeconds,
    runTimeoutSeconds: scheduleFields.runTimeoutSeconds,
    retries: scheduleFields.retries,
    tags: scheduleFields.tags,
  },
  { additionalProperties: false },
);
export type OneOffRun = Static<typeof OneOffRunSchema>;

/** Defaults the service fills in. */
export const SCHEDULE_DEFAULTS = {
  driver: 'local',
  timezone: 'UTC',
  catchup: 'latest' as Catchup,
  startingDeadlineSeconds: 86400,
  concurrencyPolicy: 'forbid' as ConcurrencyPolicy,
  retriesBackoffSeconds: 60,
  maxRuns: 100,
  /** `all` catch-up starts at most this many runs. */
  maxCatchupRuns: 100,
} as const;
