/**
 * The one-step pipeline a notebook becomes on Kubeflow Pipelines: pipeline IR (the
 * PipelineSpec a compiled KFP v2 pipeline is, as in `pipeline-spec.example.yaml`) whose
 * single executor's container runs the runner; plus, when the pod needs secrets, node
 * selectors or tolerations, the kfp-kubernetes platform spec.
 */
import { stringify } from 'yaml';
import type { V1EnvVar } from '@kubernetes/client-node';
import { UsageError } from '@nbrun/core';
import type { Resources } from '../../types.js';
import type { ClusterOptions } from '../../cluster/options.js';

/** Name of the pipeline's one task (and its component/executor, prefixed). */
export const KFP_TASK_NAME = 'nbrun-notebook';
const COMPONENT = `comp-${KFP_TASK_NAME}`;
const EXECUTOR = `exec-${KFP_TASK_NAME}`;
/** IR schema version written (as the KFP 2.x SDK writes it). */
export const IR_SCHEMA_VERSION = '2.1.0';

/** A pipeline spec, optionally with its Kubernetes platform spec. */
export interface KfpPipeline {
  pipelineSpec: Record<string, unknown>;
  platformSpec?: Record<string, unknown>;
}

/**
 * The container's resources in IR form: the deprecated numeric fields and the newer
 * string ones (the KFP 2.x SDK writes both), GPUs as an accelerator.
 * @example irResources({ cpus: 2, memoryBytes: 2 ** 30, gpus: 1 })
 */
export function irResources(resources: Resources | undefined, gpuResource = 'nvidia.com/gpu'): Record<string, unknown> | undefined {
  if (!resources) return undefined;
  const out: Record<string, unknown> = {};
  if (resources.cpus !== undefined) {
    out.cpuLimit = resources.cpus;
    out.resourceCpuLimit = String(resources.cpus);
  }
  if (resources.memoryBytes !== undefined) {
    // memoryLimit is in GB (10^9 bytes) in the IR.
    out.memoryLimit = resources.memoryBytes / 1e9;
    out.resourceMemoryLimit = String(resources.memoryBytes);
  }
  if (resources.gpus === 'all') throw new UsageError("gpus 'all': Kubeflow needs a number of GPUs (e.g. 1)", { hint: { option: 'gpus' } });
  if (resources.gpus !== undefined && resources.gpus > 0) {
    const count = String(resources.gpus);
    out.accelerator = { type: gpuResource, count, resourceType: gpuResource, resourceCount: count };
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * The pipeline for one notebook job.
 * @example const { pipelineSpec } = buildPipeline({ id: 'train-1', image, args, env, resources, options })
 */
export function buildPipeline(args: {
  id: string;
  image: string;
  command: string[];
  args: string[];
  env: V1EnvVar[];
  resources?: Resources;
  options: ClusterOptions;
}): KfpPipeline {
  const plainEnv = args.env.filter((e) => e.value !== undefined).map((e) => ({ name: e.name, value: e.value! }));
  const container: Record<string, unknown> = { image: args.image, command: args.command, args: args.args };
  if (plainEnv.length) container.env = plainEnv;
  const resources = irResources(args.resources, args.options.gpuResource);
  if (resources) container.resources = resources;
  const pipelineSpec = {
    components: { [COMPONENT]: { executorLabel: EXECUTOR } },
    deploymentSpec: { executors: { [EXECUTOR]: { container } } },
    pipelineInfo: { name: `nbrun-${args.id}` },
    root: {
      dag: {
        tasks: {
          // A notebook run is not a cacheable function of its inputs.
          [KFP_TASK_NAME]: { cachingOptions: { enableCache: false }, componentRef: { name: COMPONENT }, taskInfo: { name: KFP_TASK_NAME } },
        },
      },
    },
    schemaVersion: IR_SCHEMA_VERSION,
    sdkVersion: 'nbrun-0.1.0',
  };
  // Secrets, placement: the kfp-kubernetes platform spec (what kfp.kubernetes.use_secret_as_env etc. write).
  const executor: Record<string, unknown> = {};
  const secrets = new Map<string, { secretKey: string; envVar: string }[]>();
  for (const e of args.env) {
    const ref = e.valueFrom?.secretKeyRef;
    if (!ref) continue;
    secrets.set(ref.name!, [...(secrets.get(ref.name!) ?? []), { secretKey: ref.key, envVar: e.name }]);
  }
  if (secrets.size) executor.secretAsEnv = [...secrets].map(([secretName, keyToEnv]) => ({ secretName, keyToEnv }));
  if (args.options.nodeSelector) executor.nodeSelector = { labels: args.options.nodeSelector };
  if (args.options.tolerations) executor.tolerations = args.options.tolerations;
  if (args.options.imagePullSecrets) executor.imagePullSecret = args.options.imagePullSecrets.map((secretName) => ({ secretName }));
  const platformSpec = Object.keys(executor).length
    ? { platforms: { kubernetes: { deploymentSpec: { executors: { [EXECUTOR]: executor } } } } }
    : undefined;
  return platformSpec ? { pipelineSpec, platformSpec } : { pipelineSpec };
}

/**
 * The pipeline as a run's `pipeline_spec` field: the IR itself, or `{pipeline_spec, platform_spec}`.
 * @example body.pipeline_spec = inlinePipelineSpec(pipeline)
 */
export function inlinePipelineSpec(pipeline: KfpPipeline): Record<string, unknown> {
  return pipeline.platformSpec ? { pipeline_spec: pipeline.pipelineSpec, platform_spec: pipeline.platformSpec } : pipeline.pipelineSpec;
}

/**
 * The pipeline as the YAML file `kfp` compiles (IR document, then the platform spec document).
 * @example await writeFile('pipeline.yaml', pipelineYaml(pipeline))
 */
export function pipelineYaml(pipeline: KfpPipeline): string {
  const name = (pipeline.pipelineSpec.pipelineInfo as { name: string }).name;
  const head = `# PIPELINE DEFINITION\n# Name: ${name}\n`;
  const docs = [stringify(pipeline.pipelineSpec, { sortMapEntries: true })];
  if (pipeline.platformSpec) docs.push(stringify({ platforms: pipeline.platformSpec.platforms }, { sortMapEntries: true }));
  return head + docs.join('---\n');
}
