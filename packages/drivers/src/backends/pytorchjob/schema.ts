/** Options of the `pytorchjob` driver: where the pods go, the Workers, and the PyTorchJob's run policy. */
import type { Static } from '@sinclair/typebox';
import { integer, oneOf, optionsObject } from '../../options/schema.js';
import { clusterOptionProperties, runLimitProperties } from '../../cluster/schema.js';

export const pytorchjobOptionsSchema = optionsObject({
  ...clusterOptionProperties,
  workers: integer({ description: 'Worker replicas besides the one Master (default 0)', default: 0 }),
  ...runLimitProperties,
  backoffLimit: integer({ description: 'runPolicy.backoffLimit (default 0)', default: 0 }),
  activeDeadline: integer({ description: 'runPolicy.activeDeadlineSeconds', minimum: 1, 'x-value': 'SECONDS' }),
  ttlAfterFinished: integer({ description: 'runPolicy.ttlSecondsAfterFinished', 'x-value': 'SECONDS' }),
  cleanPodPolicy: oneOf(['None', 'Running', 'All'], { description: 'runPolicy.cleanPodPolicy (default None)', default: 'None' }),
});

/** Options of the pytorchjob driver. */
export type PyTorchJobDriverOptions = Static<typeof pytorchjobOptionsSchema>;
