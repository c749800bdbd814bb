/**
 * Flags of the cluster drivers: parsing, and the one-line usage errors a bad value gets
 * before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { createDriverRegistry, JobRegistry, type KubernetesDriverOptions } from '@nbrun/drivers';
import { ffdlMemory } from '@nbrun/drivers/ffdl';
import { irResources } from '@nbrun/drivers/kubeflow';
import { parseSecretEnv, parseToleration, resolveClusterOptions, resourceLimits } from '@nbrun/drivers/kubernetes';

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
    expect(() => parseSecretEnv(text)).toThrow(/^secretEnv '/);
  });
});

describe('resolveClusterOptions', () => {
  it.each<[KubernetesDriverOptions, NodeJS.ProcessEnv, RegExp, string]>([
    [{}, {}, /^the kubernetes driver needs store s3:\/\/bucket\/prefix \(or \$NBRUN_STORE\)/, 'store'],
    [{}, { NBRUN_STORE: '/mnt/dir' }, /^store '\/mnt\/dir': the kubernetes driver needs an s3:\/\/bucket\[\/prefix\] URL/, 'store'],
    [{ store: 's3://b' }, { NBRUN_S3_ENDPOINT: 'minio:9000' }, /^s3Endpoint 'minio:9000' \(or \$NBRUN_S3_ENDPOINT\): expected an http\(s\):\/\/ URL/, 's3Endpoint'],
    [{ store: 's3://b', namespace: 'ML_Team' }, {}, /^namespace 'ML_Team': not a valid Kubernetes name/, 'namespace'],
    [{ store: 's3://b', nodeSelector: ['gpu'] }, {}, /^nodeSelector 'gpu': expected KEY=VALUE/, 'nodeSelector'],
  ])('refuses %j (env %j)', (options, env, message, option) => {
    let err: unknown;
    try {
      resolveClusterOptions(options, env, 'kubernetes');
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toMatch(message);
    expect(err).toMatchObject({ code: 'E_USAGE', hint: { option } });
  });

  it('takes the store from $NBRUN_STORE and $NBRUN_S3_ENDPOINT', () => {
    expect(resolveClusterOptions({}, { NBRUN_STORE: 's3://jobs/nbrun', NBRUN_S3_ENDPOINT: 'http://minio:9000' }, 'kubernetes').store).toEqual({
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

  it('refuse gpus all on a cluster', () => {
    expect(() => resourceLimits({ gpus: 'all' })).toThrow(/^gpus 'all': a cluster needs a number of GPUs/);
  });
});

describe('the driver registry', () => {
  it('lists the cluster drivers beside local and docker', async () => {
    const registry = createDriverRegistry();
    expect(registry.names()).toEqual(['local', 'docker', 'kubernetes', 'kubeflow', 'pytorchjob', 'ffdl']);
    const jobs = new JobRegistry('/nonexistent');
    for (const [name, required] of [['kubeflow', /needs kfpHost URL/], ['ffdl', /needs ffdlHost URL/]] as const) {
      // Refused before anything is bundled or sent.
      await expect(registry.create(name, { jobs, env: {} }).submit({ notebook: 'nowhere.ipynb' }, { store: 's3://b' })).rejects.toThrow(required);
    }
  });
});
