/**
 * The API's request and response schemas, built from the model's (one declaration → validation,
 * types and the OpenAPI document).
 */
import { Type, type TObject, type TProperties } from '@sinclair/typebox';
import { OneOffRunSchema, RunSchema, ScheduleCreateSchema, SchedulePatchSchema, ScheduleSchema } from '../model.js';

/** The notebook and its files sent inline with a schedule or a run. */
const notebookFields = {
  notebook: Type.Optional(
    Type.Object({}, {
      additionalProperties: true,
      description: "The notebook's JSON (nbformat 4), inline. Required unless a multipart `bundle` carries it.",
    }),
  ),
  notebookName: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: "The notebook's file name in the snapshot (default: the schedule's name, else `notebook.ipynb`)." }),
  ),
  files: Type.Optional(
    Type.Record(Type.String(), Type.String({ contentEncoding: 'base64' }), {
      description: 'Files the notebook needs, by relative path (no `..`, no absolute paths), each base64-encoded.',
    }),
  ),
};

function withNotebook<T extends TObject>(schema: T, id: string, description: string) {
  return Type.Object({ ...(schema.properties as TProperties), ...notebookFields }, {
    $id: id,
    additionalProperties: false,
    description,
  });
}

export const ScheduleCreateBody = withNotebook(
  ScheduleCreateSchema,
  'ScheduleCreateRequest',
  'A schedule with its notebook. As JSON, or as `multipart/form-data` with a `schedule` part (this object, JSON) and a `bundle` part (a zip made as `nbrun submit` makes one).',
);
export const SchedulePatchBody = withNotebook(
  SchedulePatchSchema,
  'SchedulePatchRequest',
  'Fields to change; a new `notebook` (or multipart `bundle`) replaces the snapshot.',
);
export const OneOffRunBody = withNotebook(OneOffRunSchema, 'RunCreateRequest', 'A one-off run of a notebook (a schedule without trigger).');

export const RunNowBody = Type.Object(
  { parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Overrides of the schedule's parameters for this run." })) },
  { additionalProperties: false },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable error code, e.g. E_INVALID, E_NOT_FOUND, E_UNAUTHORIZED, E_TOO_LARGE.' }),
    field: Type.Optional(Type.String({ description: 'The request field to blame, dotted (`trigger.cron`).' })),
  },
  { $id: 'Problem', description: 'An error (RFC 9457, application/problem+json).' },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export const ListSchedulesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String()),
    tag: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const RUN_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'skipped', 'missed', 'lost'] as const;

export const ListRunsQuery = Type.Object(
  {
    schedule: Type.Optional(Type.String({ description: "Only this schedule's runs." })),
    state: Type.Optional(Type.Union(RUN_STATES.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const NextQuery = Type.Object(
  { count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 5 })) },
  { additionalProperties: false },
);

export const LogQuery = Type.Object(
  { follow: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')])) },
  { additionalProperties: false },
);

export const NextRunsResponse = Type.Object({
  timezone: Type.String({ description: "The trigger's zone (UTC for interval triggers)." }),
  items: Type.Array(Type.Object({ utc: Type.String({ format: 'date-time' }), local: Type.String({ description: 'The same instant in the zone, with its offset.' }) })),
});

export const HealthResponse = Type.Object({ status: Type.Literal('ok'), version: Type.String() });

export const ScheduleList = Type.Object({ items: Type.Array(ScheduleSchema), nextCursor: Type.Optional(Type.String()) });
export const RunList = Type.Object({ items: Type.Array(RunSchema), nextCursor: Type.Optional(Type.String()) });
export { ScheduleSchema, RunSchema };
