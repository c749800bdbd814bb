/**
 * Driver options as JSON Schema: one declaration per driver, checked the same way for every
 * surface; errors name the option (camelCase) and carry it as a hint.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '@nbrun/core';
import { createDriverRegistry, driverNames, driverOptionsSchema, flagOption, JobRegistry, optionFlag, validateDriverOptions } from '@nbrun/drivers';

function refusal(driver: string, options: unknown): UsageError {
  try {
    validateDriverOptions(driver, options);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`options ${JSON.stringify(options)} of ${driver} were accepted`);
}

describe('driverNames and driverOptionsSchema', () => {
  it('list the built-in drivers, each schema with described camelCase properties', () => {
    expect(driverNames().map((d) => d.name)).toEqual(['local', 'docker', 'kubernetes', 'kubeflow', 'pytorchjob', 'ffdl']);
    for (const { name, description } of driverNames()) {
      expect(description).not.toBe('');
      const schema = driverOptionsSchema(name);
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
      for (const [key, prop] of Object.entries(schema.properties)) {
        expect(key).toMatch(/^[a-z][a-zA-Z0-9]*$/);
        expect((prop as { description?: string }).description, `${name}.${key}`).toBeTruthy();
      }
    }
    expect(Object.keys(driverOptionsSchema('docker').properties)).toEqual(['network', 'keep', 'stopTimeout', 'runnerCommand', 'label', 'user']);
    expect(driverOptionsSchema('docker').properties.stopTimeout).toMatchObject({ type: 'integer', minimum: 0, default: 10 });
  });

  it('are the schemas the drivers themselves declare', () => {
    const drivers = createDriverRegistry();
    for (const { name } of driverNames()) {
      expect(drivers.create(name, { jobs: new JobRegistry('/nonexistent'), env: {} }).optionsSchema).toBe(driverOptionsSchema(name));
    }
  });

  it('refuse an unknown driver', () => {
    expect(() => driverOptionsSchema('slurm')).toThrow(/^unknown driver 'slurm' \(available: local, docker, kubernetes, kubeflow, pytorchjob, ffdl\)$/);
  });

  it('map options to flags and back', () => {
    expect(['stopTimeout', 's3Endpoint', 'jobS3Endpoint', 's3VirtualHost', 'kfpHost'].map(optionFlag)).toEqual([
      'stop-timeout', 's3-endpoint', 'job-s3-endpoint', 's3-virtual-host', 'kfp-host',
    ]);
    expect(['stop-timeout', 'job-s3-endpoint', 's3-virtual-host'].map(flagOption)).toEqual(['stopTimeout', 'jobS3Endpoint', 's3VirtualHost']);
  });
});

describe('validateDriverOptions', () => {
  it('returns valid options as they are', () => {
    const options = { network: 'none', keep: true, stopTimeout: 30, label: ['team=ml'], runnerCommand: 'node /opt/runner.js' };
    expect(validateDriverOptions('docker', options)).toEqual(options);
    expect(validateDriverOptions('local', {})).toEqual({});
    expect(validateDriverOptions('local', undefined)).toEqual({});
    expect(validateDriverOptions('kubernetes', { store: 's3://b/p', namespace: 'ml', toleration: ['nvidia.com/gpu:NoSchedule', 'spot=true'], activeDeadline: 600 })).toBeTruthy();
    expect(validateDriverOptions('pytorchjob', { workers: 2, cleanPodPolicy: 'All' })).toEqual({ workers: 2, cleanPodPolicy: 'All' });
  });

  it.each([
    ['docker', { stopTimeout: 'soon' }, 'stopTimeout', "stopTimeout must be a whole number of seconds, got 'soon'"],
    ['docker', { stopTimeout: -1 }, 'stopTimeout', 'stopTimeout must be a whole number of seconds, got -1'],
    ['docker', { keep: 'yes' }, 'keep', "keep must be true or false, got 'yes'"],
    ['docker', { label: ['team'] }, 'label', "label must be KEY=VALUE, got 'team'"],
    ['docker', { label: 'team=ml' }, 'label', "label must be a list (each KEY=VALUE), got 'team=ml'"],
    ['docker', { gpuVendor: 'amd' }, 'gpuVendor', 'gpuVendor is not an option of driver docker (its options: network, keep, stopTimeout, runnerCommand, label, user)'],
    ['local', { network: 'none' }, 'network', 'network is not an option of driver local (it has none)'],
    ['kubernetes', { store: '/mnt/dir' }, 'store', "store must be an s3://bucket[/prefix] URL the cluster can reach, got '/mnt/dir'"],
    ['kubernetes', { s3Endpoint: 'minio:9000' }, 's3Endpoint', "s3Endpoint must be an http(s):// URL, got 'minio:9000'"],
    ['kubernetes', { namespace: 'ML_Team' }, 'namespace', "namespace must be a Kubernetes name (lowercase letters, digits, '-'), got 'ML_Team'"],
    ['kubernetes', { nodeSelector: ['gpu'] }, 'nodeSelector', "nodeSelector must be KEY=VALUE, got 'gpu'"],
    ['kubernetes', { toleration: ['gpu:Sometimes'] }, 'toleration', /^toleration must be KEY\[=VALUE\]\[:EFFECT\] with EFFECT one of/],
    ['kubernetes', { activeDeadline: 0 }, 'activeDeadline', 'activeDeadline must be an integer >= 1, got 0'],
    ['pytorchjob', { cleanPodPolicy: 'Sometimes' }, 'cleanPodPolicy', "cleanPodPolicy must be one of None, Running, All, got 'Sometimes'"],
    ['kubeflow', { kfpTokenEnv: 'KFP-TOKEN' }, 'kfpTokenEnv', "kfpTokenEnv must be an environment variable name, got 'KFP-TOKEN'"],
    ['ffdl', { framework: 'tensorflow' }, 'framework', "framework must be NAME:VERSION, e.g. tensorflow:1.15.0-py3, got 'tensorflow'"],
    ['ffdl', { learners: 0 }, 'learners', 'learners must be an integer >= 1, got 0'],
  ])('%s %j: one line naming the option', (driver, options, option, message) => {
    const err = refusal(driver, options);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
    expect(err.hint).toEqual({ option });
    expect(err.message).not.toMatch(/--/);
  });

  it('refuses options that are not an object', () => {
    expect(refusal('docker', ['network']).message).toBe('the options of driver docker must be an object, got ["network"]');
  });
});
