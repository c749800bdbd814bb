/**
 * Validates what nbrun sends against the platforms' official specs in
 * test/contracts, vendored from ../shared/contracts (ajv): the Kubernetes swagger (batch/v1 Job), the Training
 * Operator's PyTorchJob CRD schema (plus its webhook rules), the KFP v2beta1 run and
 * upload swaggers (plus the pipeline IR, checked by hand: it has no JSON Schema here),
 * the FfDL swagger (plus its manifest rules). Every check returns the list of problems
 * (empty when valid), so the fake servers answer 400/422 with them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';

export const CONTRACTS = fileURLToPath(new URL('../contracts/', import.meta.url));

type Json = Record<string, unknown>;

/**
 * Unknown fields are errors, as with the API server's `fieldValidation=Strict`: the specs
 * leave `additionalProperties` open, but a misspelt field must not pass silently.
 */
function closeObjects(schema: unknown): void {
  if (Array.isArray(schema)) return schema.forEach(closeObjects);
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Json;
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) s.additionalProperties = false;
  for (const v of Object.values(s)) closeObjects(v);
}

// ajv's CommonJS default export, seen from ESM.
type AjvClass = typeof AjvModule.default;
const Ajv: AjvClass = (AjvModule as unknown as { default?: AjvClass }).default ?? (AjvModule as unknown as AjvClass);
type AjvInstance = InstanceType<AjvClass>;

function createAjv(): AjvInstance {
  // Swagger/OpenAPI keywords (x-kubernetes-*, nullable) and formats (int-or-string, int64) are not JSON Schema.
  return new Ajv({ strict: false, validateFormats: false, allErrors: true });
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : ''}`);
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(CONTRACTS + path, 'utf8')) as Json;
}

/** Swagger 2.0 `definitions` as one schema; validators by definition name. */
class SwaggerDefinitions {
  private readonly ajv = createAjv();
  private readonly cache = new Map<string, ValidateFunction>();
  constructor(
    readonly doc: Json,
    private readonly id: string,
    strictFields: boolean,
  ) {
    const copy = structuredClone(doc);
    if (strictFields) closeObjects(copy.definitions);
    this.ajv.addSchema({ $id: id, definitions: copy.definitions }, id);
  }
  validate(definition: string, value: unknown): string[] {
    let fn = this.cache.get(definition);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `${this.id}#/definitions/${definition}` });
      this.cache.set(definition, fn);
    }
    return fn(value) ? [] : describe(fn.errors);
  }
}

/** A swagger parameter, its `$ref` resolved against the document's `parameters`. */
function resolveParameter(doc: Json, p: Json): Json {
  const ref = p.$ref as string | undefined;
  return ref ? ((doc.parameters as Json)[ref.replace('#/parameters/', '')] as Json) : p;
}

/**
 * The swagger operation a request names: its path template (`{x}` segments) and method,
 * and its parameters (path-level and operation-level, `$ref`s resolved).
 */
function findOperation(doc: Json, method: string, path: string): { template: string; parameters: Json[] } | undefined {
  for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
    const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (!re.test(path)) continue;
    const op = item[method.toLowerCase()] as Json | undefined;
    if (!op) continue;
    const parameters = [...((item.parameters as Json[] | undefined) ?? []), ...((op.parameters as Json[] | undefined) ?? [])].map((p) => resolveParameter(doc, p));
    return { template, parameters };
  }
  return undefined;
}

/**
 * A request checked against a Swagger 2.0 document: the operation exists (path template
 * and method), required query and formData parameters are there, no query parameter is
 * unknown, booleans and integers parse as such.
 * @example checkSwaggerRequest(KUBERNETES_SWAGGER, 'GET', '/api/v1/namespaces/ml/pods', url.searchParams)
 */
export function checkSwaggerRequest(doc: Json, method: string, path: string, query: URLSearchParams, formFields: Set<string> = new Set()): string[] {
  const op = findOperation(doc, method, path);
  if (!op) return [`${method} ${path} is not an operation of the spec`];
  const problems: string[] = [];
  for (const p of op.parameters) {
    const name = p.name as string;
    if (p.in === 'query' && query.has(name)) {
      const v = query.get(name)!;
      if (p.type === 'boolean' && !['true', 'false'].includes(v)) problems.push(`query parameter '${name}' must be a boolean, got '${v}'`);
      if (p.type === 'integer' && !/^-?\d+$/.test(v)) problems.push(`query parameter '${name}' must be an integer, got '${v}'`);
      if (Array.isArray(p.enum) && !p.enum.includes(v)) problems.push(`query parameter '${name}' must be one of ${p.enum.join(', ')}`);
    }
    if (!p.required) continue;
    if (p.in === 'query' && !query.has(name)) problems.push(`query parameter '${name}' is required`);
    if (p.in === 'formData' && !formFields.has(name)) problems.push(`form field '${name}' is required`);
  }
  for (const name of query.keys()) {
    if (!op.parameters.some((p) => p.in === 'query' && p.name === name)) problems.push(`query parameter '${name}' is not in the spec of ${method} ${op.template}`);
  }
  return problems;
}

/** {@link checkSwaggerRequest} for a path given as its template. */
export function checkOperationParameters(doc: Json, method: string, template: string, query: URLSearchParams, formFields: Set<string> = new Set()): string[] {
  return checkSwaggerRequest(doc, method, template, query, formFields);
}

// ── Kubernetes ────────────────────────────────────────────────────────────────

const k8sDoc = readJson('kubernetes/batch-v1-jobs-and-pods.swagger.json');
const k8s = new SwaggerDefinitions(k8sDoc, 'k8s', true);

/** The Kubernetes swagger document (paths and definitions). */
export const KUBERNETES_SWAGGER = k8sDoc;

/**
 * A batch/v1 Job body against `io.k8s.api.batch.v1.Job`, plus what the API server's own
 * validation adds (restartPolicy Never/OnFailure, unique container names).
 */
export function validateKubernetesJob(body: unknown): string[] {
  const problems = k8s.validate('io.k8s.api.batch.v1.Job', body);
  if (problems.length) return problems;
  const job = body as { apiVersion?: string; kind?: string; spec?: { template?: { spec?: { restartPolicy?: string; containers?: { name: string }[] } } } };
  if (job.apiVersion !== 'batch/v1' || job.kind !== 'Job') problems.push(`apiVersion/kind must be batch/v1 Job, got ${job.apiVersion}/${job.kind}`);
  const pod = job.spec?.template?.spec;
  if (!pod) problems.push('spec.template.spec is required');
  else if (!['Never', 'OnFailure'].includes(pod.restartPolicy ?? '')) problems.push("spec.template.spec.restartPolicy: a Job's pods need Never or OnFailure");
  return problems;
}

/** `io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions`, for a delete body. */
export function validateDeleteOptions(body: unknown): string[] {
  return k8s.validate('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', body);
}

// ── PyTorchJob (Training Operator CRD) ────────────────────────────────────────

const crd = parseYaml(readFileSync(CONTRACTS + 'kubeflow/kubeflow.org_pytorchjobs.crd.yaml', 'utf8')) as {
  spec: { group: string; names: { plural: string }; versions: { name: string; schema: { openAPIV3Schema: Json } }[] };
};
const pytorchSchema = structuredClone(crd.spec.versions.find((v) => v.name === 'v1')!.schema.openAPIV3Schema);
closeObjects(pytorchSchema);
const validatePytorchSchema = createAjv().compile(pytorchSchema);

/** Group, version and plural of the PyTorchJob CRD. */
export const PYTORCHJOB_RESOURCE = { group: crd.spec.group, version: 'v1', plural: crd.spec.names.plural };

/**
 * A PyTorchJob against the CRD's openAPIV3Schema, then the Training Operator webhook's
 * rules: Master/Worker replicas only, exactly one Master, each with a container named `pytorch`.
 */
export function validatePyTorchJob(body: unknown): string[] {
  if (!validatePytorchSchema(body)) return describe(validatePytorchSchema.errors);
  const problems: string[] = [];
  const job = body as { apiVersion?: string; kind?: string; metadata?: { name?: string }; spec?: { pytorchReplicaSpecs?: Record<string, { replicas?: number; template?: { spec?: { containers?: { name: string; image?: string }[] } } }> } };
  if (job.apiVersion !== 'kubeflow.org/v1' || job.kind !== 'PyTorchJob') problems.push(`apiVersion/kind must be kubeflow.org/v1 PyTorchJob, got ${job.apiVersion}/${job.kind}`);
  if (!job.metadata?.name) problems.push('metadata.name is required');
  const specs = job.spec?.pytorchReplicaSpecs ?? {};
  if (!specs.Master) problems.push('spec.pytorchReplicaSpecs.Master is required');
  for (const [type, spec] of Object.entries(specs)) {
    if (!['Master', 'Worker'].includes(type)) problems.push(`spec.pytorchReplicaSpecs.${type}: replica type must be Master or Worker`);
    if (type === 'Master' && (spec.replicas ?? 1) !== 1) problems.push('spec.pytorchReplicaSpecs.Master.replicas must be 1');
    const containers = spec.template?.spec?.containers ?? [];
    const pytorch = containers.find((c) => c.name === 'pytorch');
    if (!pytorch) problems.push(`spec.pytorchReplicaSpecs.${type}: there must be a container named 'pytorch'`);
    else if (!pytorch.image) problems.push(`spec.pytorchReplicaSpecs.${type}: container 'pytorch' needs an image`);
  }
  return problems;
}

// ── Kubeflow Pipelines v2beta1 ────────────────────────────────────────────────

const runDoc = readJson('kubeflow/run.swagger.json');
const kfpRuns = new SwaggerDefinitions(runDoc, 'kfp-run', true);
/** The KFP run and upload swagger documents. */
export const KFP_RUN_SWAGGER = runDoc;
export const KFP_UPLOAD_SWAGGER = readJson('kubeflow/pipeline.upload.swagger.json');

/** Fields of a ResourceSpec in the IR (deprecated numeric and newer string forms). */
const RESOURCE_FIELDS = new Set([
  'cpuLimit', 'memoryLimit', 'cpuRequest', 'memoryRequest', 'accelerator',
  'resourceCpuLimit', 'resourceMemoryLimit', 'resourceCpuRequest', 'resourceMemoryRequest',
]);

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A pipeline spec (IR) checked by hand against the structure of the compiled example
 * (`pipeline-spec.example.yaml`): there is no JSON Schema of the IR in the contracts.
 * Checks: pipelineInfo.name, schemaVersion, root.dag.tasks each with componentRef and
 * taskInfo, every referenced component exists with an executorLabel, every executor
 * exists with a container (image, command/args string lists, known resource fields).
 */
export function validatePipelineSpec(spec: unknown): string[] {
  const p: string[] = [];
  if (!isObject(spec)) return ['pipeline_spec must be an object'];
  const allowed = new Set(['pipelineInfo', 'root', 'components', 'deploymentSpec', 'schemaVersion', 'sdkVersion', 'defaultPipelineRoot']);
  for (const k of Object.keys(spec)) if (!allowed.has(k)) p.push(`pipeline_spec: unknown field '${k}'`);
  if (!isObject(spec.pipelineInfo) || typeof spec.pipelineInfo.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(spec.pipelineInfo.name)) {
    p.push('pipeline_spec.pipelineInfo.name must be a lowercase name');
  }
  if (typeof spec.schemaVersion !== 'string' || !/^2\.\d+\.\d+$/.test(spec.schemaVersion)) p.push('pipeline_spec.schemaVersion must be 2.x.y');
  const components = isObject(spec.components) ? spec.components : {};
  const executors = isObject(spec.deploymentSpec) && isObject(spec.deploymentSpec.executors) ? spec.deploymentSpec.executors : undefined;
  if (!executors) p.push('pipeline_spec.deploymentSpec.executors is required');
  const tasks = isObject(spec.root) && isObject(spec.root.dag) && isObject(spec.root.dag.tasks) ? spec.root.dag.tasks : undefined;
  if (!tasks || !Object.keys(tasks).length) return [...p, 'pipeline_spec.root.dag.tasks must hold at least one task'];
  for (const [name, task] of Object.entries(tasks)) {
    const at = `pipeline_spec.root.dag.tasks.${name}`;
    if (!isObject(task)) { p.push(`${at} must be an object`); continue; }
    if (!isObject(task.taskInfo) || task.taskInfo.name !== name) p.push(`${at}.taskInfo.name must be '${name}'`);
    const ref = isObject(task.componentRef) ? task.componentRef.name : undefined;
    if (typeof ref !== 'string') { p.push(`${at}.componentRef.name is required`); continue; }
    const component = components[ref];
    if (!isObject(component) || typeof component.executorLabel !== 'string') { p.push(`${at}: component '${ref}' with an executorLabel is missing`); continue; }
    const executor = executors?.[component.executorLabel];
    if (!isObject(executor) || !isObject(executor.container)) { p.push(`executor '${component.executorLabel}' with a container is missing`); continue; }
    const c = executor.container;
    const ep = `pipeline_spec.deploymentSpec.executors.${component.executorLabel}.container`;
    for (const k of Object.keys(c)) if (!['image', 'command', 'args', 'resources', 'env', 'lifecycle'].includes(k)) p.push(`${ep}: unknown field '${k}'`);
    if (typeof c.image !== 'string' || !c.image) p.push(`${ep}.image is required`);
    for (const k of ['command', 'args']) {
      if (c[k] !== undefined && (!Array.isArray(c[k]) || !(c[k] as unknown[]).every((s) => typeof s === 'string'))) p.push(`${ep}.${k} must be a list of strings`);
    }
    if (c.env !== undefined && (!Array.isArray(c.env) || !(c.env as unknown[]).every((e) => isObject(e) && typeof e.name === 'string' && typeof e.value === 'string'))) {
      p.push(`${ep}.env must be a list of {name, value}`);
    }
    if (c.resources !== undefined) {
      if (!isObject(c.resources)) p.push(`${ep}.resources must be an object`);
      else {
        for (const [k, v] of Object.entries(c.resources)) {
          if (!RESOURCE_FIELDS.has(k)) p.push(`${ep}.resources: unknown field '${k}'`);
          else if (['cpuLimit', 'memoryLimit', 'cpuRequest', 'memoryRequest'].includes(k) && typeof v !== 'number') p.push(`${ep}.resources.${k} must be a number`);
          else if (k.startsWith('resource') && typeof v !== 'string') p.push(`${ep}.resources.${k} must be a string`);
        }
        const acc = c.resources.accelerator;
        if (acc !== undefined && (!isObject(acc) || typeof acc.type !== 'string' || typeof acc.count !== 'string')) {
          p.push(`${ep}.resources.accelerator needs type and count (an int64 as a string)`);
        }
      }
    }
  }
  return p;
}

/** A v2beta1Run create body: swagger, then what the API server requires (display_name, a spec or a pipeline reference). */
export function validateKfpRun(body: unknown): string[] {
  const p = kfpRuns.validate('v2beta1Run', body);
  if (p.length) return p;
  const run = body as { display_name?: string; pipeline_spec?: unknown; pipeline_version_reference?: { pipeline_id?: string }; run_id?: string; state?: string };
  if (!run.display_name) p.push('display_name is required');
  if (run.run_id || run.state) p.push('run_id and state are output fields');
  const inline = run.pipeline_spec !== undefined;
  const ref = run.pipeline_version_reference?.pipeline_id;
  if (inline === !!ref) p.push('exactly one of pipeline_spec and pipeline_version_reference.pipeline_id is required');
  if (inline) {
    const { pipelineSpec, platformSpec } = splitPipelineSpec(run.pipeline_spec);
    p.push(...validatePipelineSpec(pipelineSpec));
    if (platformSpec !== undefined) p.push(...validatePlatformSpec(platformSpec, pipelineSpec));
  }
  return p;
}

/**
 * A run's `pipeline_spec` is the IR itself, or `{pipeline_spec, platform_spec}` when a
 * Kubernetes platform spec comes with it (as the KFP SDK sends it).
 */
export function splitPipelineSpec(value: unknown): { pipelineSpec: unknown; platformSpec?: unknown } {
  if (isObject(value) && 'pipeline_spec' in value) {
    return { pipelineSpec: value.pipeline_spec, platformSpec: value.platform_spec };
  }
  return { pipelineSpec: value };
}

/**
 * The kfp-kubernetes platform spec, checked by hand (no schema in the contracts): per
 * executor of the IR, secretAsEnv [{secretName, keyToEnv: [{secretKey, envVar}]}],
 * nodeSelector {labels}, tolerations [{key, operator, value, effect}], imagePullSecret [{secretName}].
 */
export function validatePlatformSpec(platform: unknown, pipelineSpec: unknown): string[] {
  const p: string[] = [];
  const executors = isObject(platform) && isObject(platform.platforms) && isObject(platform.platforms.kubernetes) && isObject(platform.platforms.kubernetes.deploymentSpec)
    ? platform.platforms.kubernetes.deploymentSpec.executors : undefined;
  if (!isObject(executors)) return ['platform_spec.platforms.kubernetes.deploymentSpec.executors is required'];
  const known = isObject(pipelineSpec) && isObject(pipelineSpec.deploymentSpec) && isObject(pipelineSpec.deploymentSpec.executors) ? pipelineSpec.deploymentSpec.executors : {};
  for (const [name, e] of Object.entries(executors)) {
    const at = `platform_spec…executors.${name}`;
    if (!(name in known)) p.push(`${at}: no such executor in the pipeline spec`);
    if (!isObject(e)) { p.push(`${at} must be an object`); continue; }
    for (const k of Object.keys(e)) if (!['secretAsEnv', 'nodeSelector', 'tolerations', 'imagePullSecret'].includes(k)) p.push(`${at}: unknown field '${k}'`);
    for (const s of (e.secretAsEnv as unknown[] | undefined) ?? []) {
      if (!isObject(s) || typeof s.secretName !== 'string' || !Array.isArray(s.keyToEnv) || !s.keyToEnv.every((k) => isObject(k) && typeof k.secretKey === 'string' && typeof k.envVar === 'string')) {
        p.push(`${at}.secretAsEnv entries need secretName and keyToEnv [{secretKey, envVar}]`);
      }
    }
    if (e.nodeSelector !== undefined && (!isObject(e.nodeSelector) || !isObject(e.nodeSelector.labels))) p.push(`${at}.nodeSelector needs labels`);
    if (e.tolerations !== undefined && (!Array.isArray(e.tolerations) || !e.tolerations.every((t) => isObject(t) && ['Equal', 'Exists'].includes(t.operator as string)))) {
      p.push(`${at}.tolerations entries need an operator Equal or Exists`);
    }
  }
  return p;
}

// ── FfDL ──────────────────────────────────────────────────────────────────────

// The FfDL swagger repeats `operationId` under getEMetrics (a duplicate key, invalid YAML 1.2): read it as PyYAML does, last one wins.
const ffdlDoc = parseYaml(readFileSync(CONTRACTS + 'ffdl/swagger.yml', 'utf8'), { uniqueKeys: false }) as Json;
const ffdl = new SwaggerDefinitions(ffdlDoc, 'ffdl', true);
/** The FfDL swagger document. */
export const FFDL_SWAGGER = ffdlDoc;

/** A PATCH body against `TrainingUpdate`; only `halt` is accepted. */
export function validateFfdlUpdate(body: unknown): string[] {
  const p = ffdl.validate('TrainingUpdate', body);
  if (!p.length && (body as { status?: string }).status !== 'halt') p.push("status: only 'halt' is supported");
  return p;
}

/**
 * A training manifest (YAML text), with FfDL's rules (the swagger has no manifest schema;
 * these follow manifest.example.yml and FfDL's manifest parser): name, version, learners,
 * cpus/gpus numbers, memory like `1Gb`, exactly one data store with id, type,
 * training_data/training_results containers and a connection, a framework with name,
 * version and command.
 */
export function validateFfdlManifest(text: string): { problems: string[]; manifest?: Json } {
  let m: unknown;
  try {
    m = parseYaml(text);
  } catch (err) {
    return { problems: [`manifest is not YAML: ${(err as Error).message}`] };
  }
  if (!isObject(m)) return { problems: ['manifest must be a mapping'] };
  const p: string[] = [];
  const allowed = new Set(['name', 'description', 'version', 'cpus', 'gpus', 'memory', 'learners', 'data_stores', 'framework', 'evaluation_metrics']);
  for (const k of Object.keys(m)) if (!allowed.has(k)) p.push(`unknown manifest field '${k}'`);
  if (typeof m.name !== 'string' || !m.name) p.push('name is required');
  if (m.version !== '1.0') p.push('version must be "1.0" (a string)');
  for (const k of ['cpus', 'gpus']) if (m[k] !== undefined && (typeof m[k] !== 'number' || (m[k] as number) < 0)) p.push(`${k} must be a non-negative number`);
  if (m.learners !== undefined && (!Number.isInteger(m.learners) || (m.learners as number) < 1)) p.push('learners must be an integer >= 1');
  if (m.memory !== undefined && !/^\d+(\.\d+)?\s*(MiB|MB|GiB|GB|Mb|Gb)$/.test(String(m.memory))) p.push(`memory '${String(m.memory)}' must be a number with MiB, MB, GiB, GB, Mb or Gb`);
  const stores = m.data_stores;
  if (!Array.isArray(stores) || stores.length !== 1) p.push('data_stores must have exactly one entry');
  else {
    const s = stores[0] as Json;
    if (typeof s.id !== 'string' || !s.id) p.push('data_stores[0].id is required');
    if (!['s3_datastore', 'mount_cos'].includes(s.type as string)) p.push('data_stores[0].type must be s3_datastore or mount_cos');
    for (const k of ['training_data', 'training_results']) {
      if (!isObject(s[k]) || typeof (s[k] as Json).container !== 'string' || !(s[k] as Json).container) p.push(`data_stores[0].${k}.container is required`);
    }
    const c = s.connection;
    if (!isObject(c)) p.push('data_stores[0].connection is required');
    else for (const k of ['auth_url', 'user_name', 'password']) if (typeof c[k] !== 'string' || !c[k]) p.push(`data_stores[0].connection.${k} is required`);
  }
  const f = m.framework;
  if (!isObject(f)) p.push('framework is required');
  else for (const k of ['name', 'version', 'command']) if (typeof f[k] !== 'string' || !f[k]) p.push(`framework.${k} is required (a string)`);
  return { problems: p, manifest: m };
}
