/** Options of the `local` driver: none (the job runs on this machine as `nbrun run` would). */
import type { Static } from '@sinclair/typebox';
import { optionsObject } from '../../options/schema.js';

export const localOptionsSchema = optionsObject({});

/** Options of the local driver. */
export type LocalDriverOptions = Static<typeof localOptionsSchema>;
