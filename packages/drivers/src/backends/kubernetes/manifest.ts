/** The object the kubernetes driver sends: a batch/v1 Job whose one container runs the runner on the bundle in the store. */
import type { V1Job } from '@kubernetes/client-node';
import type { Resources } from '../../types.js';
import type { ClusterOptions, JobSettings } from '../../cluster/options.js';
import { NBRUN_LABELS, podPlacement, runnerContainer, type JobLocations } from '../../cluster/pod.js';

export type { JobSettings } from '../../cluster/options.js';

/** The label Kubernetes puts on a Job's pods (and the legacy one). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** Name of the runner's container in a batch Job. */
export const JOB_CONTAINER_NAME = 'nbrun';

/**
 * The batch/v1 Job that runs one notebook.
 * @example const job = buildJobManifest({ id: 'train-1', namespace: 'ml', image, locations, options, request, settings: {} })
 */
export function buildJobManifest(args: {
  id: string;
  namespace: string;
  notebook: string;
  image: string;
  locations: JobLocations;
  options: ClusterOptions;
  request: { env?: Record<string, string>; resources?: Resources };
  settings: JobSettings;
}): V1Job {
  const labels = { [NBRUN_LABELS.app]: 'nbrun', [NBRUN_LABELS.job]: args.id };
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: args.id, namespace: args.namespace, labels, annotations: { 'nbrun.dev/notebook': args.notebook } },
    spec: {
      backoffLimit: args.settings.backoffLimit ?? 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [runnerContainer(JOB_CONTAINER_NAME, args.image, args.locations, args.options, args.request)],
          ...podPlacement(args.options),
        },
      },
    },
  };
  if (args.settings.activeDeadlineSeconds !== undefined) job.spec!.activeDeadlineSeconds = args.settings.activeDeadlineSeconds;
  if (args.settings.ttlSecondsAfterFinished !== undefined) job.spec!.ttlSecondsAfterFinished = args.settings.ttlSecondsAfterFinished;
  return job;
}
