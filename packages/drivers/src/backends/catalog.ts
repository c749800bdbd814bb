/**
 * The built-in drivers as data: name, one-line description and options schema, without
 * loading any driver or its SDK. {@link validateDriverOptions} is what every surface (CLI,
 * REST API, schedules) runs on a driver's JSON options.
 */
import type { TObject } from '@sinclair/typebox';
import { UsageError } from '@nbrun/core';
import { dockerOptionsSchema } from './docker/schema.js';
import { ffdlOptionsSchema } from './ffdl/schema.js';
import { kubeflowOptionsSchema } from './kubeflow/schema.js';
import { kubernetesOptionsSchema } from './kubernetes/schema.js';
import { pytorchjobOptionsSchema } from './pytorchjob/schema.js';
import { localOptionsSchema } from './local/schema.js';
import { checkOptions } from '../options/schema.js';

/** A built-in driver, as listed before it is loaded. */
export interface DriverInfo {
  name: string;
  /** One line for help and forms. */
  description: string;
  /** JSON Schema of its options: camelCase properties, each with a `description`. */
  optionsSchema: TObject;
  /** Whether it starts jobs as standbys (`SubmitRequest.hold`, run on `JobHandle.release`). */
  holds?: boolean;
}

/** The built-in drivers, in the order help lists them. */
export const BUILTIN_DRIVERS: readonly DriverInfo[] = [
  { name: 'local', description: 'the runner as a detached process on this machine', optionsSchema: localOptionsSchema, holds: true },
  { name: 'docker', description: 'a container on a Docker engine (DOCKER_HOST honoured)', optionsSchema: dockerOptionsSchema },
  {
    name: 'kubernetes',
    description: 'a batch/v1 Job on a Kubernetes cluster (bundle and results through an S3 store)',
    optionsSchema: kubernetesOptionsSchema,
  },
  {
    name: 'kubeflow',
    description: 'a Kubeflow Pipelines v2 run of a one-step pipeline (bundle and results through an S3 store)',
    optionsSchema: kubeflowOptionsSchema,
  },
  { name: 'pytorchjob', description: 'a Kubeflow Training Operator PyTorchJob (one Master, optional Workers)', optionsSchema: pytorchjobOptionsSchema },
  { name: 'ffdl', description: 'a training on FfDL (manifest + model_definition zip, results through an S3 bucket)', optionsSchema: ffdlOptionsSchema },
];

function builtin(driver: string): DriverInfo {
  const info = BUILTIN_DRIVERS.find((d) => d.name === driver);
  if (!info) throw new UsageError(`unknown driver '${driver}' (available: ${BUILTIN_DRIVERS.map((d) => d.name).join(', ')})`);
  return info;
}

/**
 * Names and one-line descriptions of the built-in drivers.
 * @example driverNames().map((d) => d.name) // ['local', 'docker', 'kubernetes', 'kubeflow', 'pytorchjob', 'ffdl']
 */
export function driverNames(): { name: string; description: string }[] {
  return BUILTIN_DRIVERS.map(({ name, description }) => ({ name, description }));
}

/**
 * The JSON Schema of a built-in driver's options, without loading the driver or its SDK;
 * a UsageError for an unknown driver.
 * @example Object.keys(driverOptionsSchema('docker').properties) // ['network', 'keep', 'stopTimeout', …]
 */
export function driverOptionsSchema(driver: string): TObject {
  return builtin(driver).optionsSchema;
}

/**
 * Checks a built-in driver's JSON options (REST API, schedules, forms) and returns them typed.
 * A bad or unknown property is a UsageError whose `hint.option` names it; nothing is filled in
 * from the environment here (a driver does that when it submits).
 * @example validateDriverOptions('docker', { network: 'none', stopTimeout: 30 })
 */
export function validateDriverOptions(driver: string, options: unknown): Record<string, unknown> {
  return checkOptions(driver, builtin(driver).optionsSchema, options);
}
