/** Options of the `kubernetes` driver: where the pods go, and a batch Job's run limits. */
import type { Static } from '@sinclair/typebox';
import { optionsObject } from '../../options/schema.js';
import { clusterOptionProperties, runLimitProperties } from '../../cluster/schema.js';

export const kubernetesOptionsSchema = optionsObject({ ...clusterOptionProperties, ...runLimitProperties });

/** Options of the kubernetes driver. */
export type KubernetesDriverOptions = Static<typeof kubernetesOptionsSchema>;
