/**
 * Flags of the cluster drivers: parsing, and the one-line usage errors a bad value gets
 * before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import {
  createDriverRegistry, ffdlMemory, irResources, JobRegistry, parseClusterOptions, parseSecretEnv, parseToleration, resourceLimits,
} from '@nbrun/drivers';

describe('parseToleration', () => {
  it.each([
    ['nvidia.com/gpu:NoSchedule', { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    ['dedicated=ml:NoExecute', { key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoExecute' }],
    ['spot=true', { key: 'spot', operator: 'Equal', value: 'true' }],
    ['preemptible', { key: 'preemptible', operator: 'Exists' }],
  ])('%s', (text, toleration) => {
    expect(parseToleration(text)).toEqual(toleration);
  });

  it.each([['gpu:Sometimes', /effect must be one of/], [':NoSchedule', /missing the taint key/]])('refuses %s', (text, message) => {
    expect(() => parseToleration(text)).toThrow(message);
  });
});

describe('parseSecretEnv', () => {
  it('reads NAME=SECRET:KEY', () => {
    expect(parseSecretEnv('HF_TOKEN=hugging-face:token')).toEqual({ name: 'HF_TOKEN', secret: 'hugging-face', key: 'token' });
  });
  it.each(['HF_TOKEN=hf', '1X=s:k', 'X=Bad_Secret:k'])('refuses %s', (text) => {
    expect(() => parseSecretEnv(text)).toThrow(/--secret-env/);
  });
});

describe('parseClusterOptions', () => {
  it.each([
    [{}, {}, /needs --store s3:\/\/bucket\/prefix/],
    [{ store: '/mnt/dir' }, {}, /needs an s3:\/\/bucket\[\/prefix\] URL/],
    [{ store: 's3://b', 's3-endpoint': 'minio:9000' }, {}, /--s3-endpoint 'minio:9000': expected an http\(s\):\/\/ URL/],
    [{ store: 's3://b', namespace: 'ML_Team' }, {}, /--namespace 'ML_Team': not a valid Kubernetes name/],
    [{ store: 's3://b', 'node-selector': ['gpu'] }, {}, /--node-selector 'gpu': expected KEY=VALUE/],
  ])('refuses %j', (raw, env, message) => {
    expect(() => parseClusterOptions(raw, env, 'kubernetes')).toThrow(message);
  });

  it('takes the store from $NBRUN_STORE and $NBRUN_S3_ENDPOINT', () => {
    expect(parseClusterOptions({}, { NBRUN_STORE: 's3://jobs/nbrun', NBRUN_S3_ENDPOINT: 'http://minio:9000' }, 'kubernetes').store).toEqual({
      url: 's3://jobs/nbrun',
      endpoint: 'http://minio:9000',
    });
  });
});

describe('resources', () => {
  it('become container limits, IR resources and FfDL memory', () => {
    expect(resourceLimits({ cpus: 0.5, memoryBytes: 512 * 2 ** 20, gpus: 2 }, 'amd.com/gpu')).toEqual({ cpu: '0.5', memory: String(512 * 2 ** 20), 'amd.com/gpu': '2' });
    expect(irResources({ gpus: 1 })).toEqual({ accelerator: { type: 'nvidia.com/gpu', count: '1', resourceType: 'nvidia.com/gpu', resourceCount: '1' } });
    expect([ffdlMemory(512 * 2 ** 20), ffdlMemory(2 ** 31), ffdlMemory(1.5 * 2 ** 30)]).toEqual(['512MiB', '2GiB', '1.5GiB']);
  });

  it('refuse --gpus all on a cluster', () => {
    expect(() => resourceLimits({ gpus: 'all' })).toThrow(/--gpus all: a cluster needs a number of GPUs/);
  });
});

describe('the driver registry', () => {
  it('lists the cluster drivers beside local and docker', () => {
    const registry = createDriverRegistry();
    expect(registry.names()).toEqual(['local', 'docker', 'kubernetes', 'kubeflow', 'pytorchjob', 'ffdl']);
    const jobs = new JobRegistry('/nonexistent');
    for (const [name, required] of [['kubeflow', /--kfp-host/], ['ffdl', /--ffdl-host/]] as const) {
      expect(() => registry.create(name, { jobs, env: {} }).parseOptions({ store: 's3://b' })).toThrow(required);
    }
  });
});
