/**
 * A pod's log through the Kubernetes pod-log API (`GET …/pods/{name}/log`), as lines;
 * followed while the container runs. Shared by the kubernetes and kubeflow drivers.
 */
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { CoreV1Api, Log, type KubeConfig } from '@kubernetes/client-node';
import { sleep } from '../job/wait.js';
import type { LogsOptions } from '../types.js';
import { retrySafe } from '../http/api-errors.js';

/** A pod as far as logs care. */
export interface PodRef {
  name: string;
  /** `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  phase?: string;
}

/**
 * Lines of one container's log; with `follow`, until the container ends.
 * @example for await (const line of podLogLines(kc, 'ml', 'train-1-x7k2p', 'nbrun', { follow: true })) console.log(line)
 */
export async function* podLogLines(kc: KubeConfig, namespace: string, pod: string, container: string, options: LogsOptions = {}): AsyncIterable<string> {
  if (!options.follow) {
    const core = kc.makeApiClient(CoreV1Api);
    const text = await retrySafe(() => core.readNamespacedPodLog({ name: pod, namespace, container }), 'kubernetes', `reading the log of pod ${pod}`);
    const lines = String(text).split('\n');
    if (lines.at(-1) === '') lines.pop();
    yield* lines;
    return;
  }
  const sink = new PassThrough();
  const controller = await retrySafe(
    () => new Log(kc).log(namespace, pod, container, sink, { follow: true }),
    'kubernetes',
    `following the log of pod ${pod}`,
  );
  const onAbort = () => {
    controller.abort();
    sink.end();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const line of createInterface({ input: sink, crlfDelay: Infinity })) yield line;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

/**
 * The log of a job's pod: waits for the pod to start (a pending pod has no log yet), then
 * reads or follows it. `findPod` names the pod (newest first); `isDone` says the job ended.
 * @example yield* jobPodLogLines(kc, ns, () => newestPod(...), () => isFinished(), 'nbrun', { follow: true })
 */
export async function* jobPodLogLines(
  kc: KubeConfig,
  namespace: string,
  findPod: () => Promise<PodRef | undefined>,
  isDone: () => Promise<boolean>,
  container: string,
  options: LogsOptions = {},
): AsyncIterable<string> {
  for (;;) {
    const pod = await findPod();
    if (pod && pod.phase !== 'Pending') {
      yield* podLogLines(kc, namespace, pod.name, container, options);
      return;
    }
    if (!options.follow || (await isDone())) return;
    await sleep(500, options.signal);
    if (options.signal?.aborted) return;
  }
}
