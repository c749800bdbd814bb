/**
 * `nbrun submit`'s driver flags come from the drivers' option schemas, and library errors
 * naming options come out as flags.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '@nbrun/core';
import { parseArgs } from '../src/args.js';
import { driverFlagHelp, driverFlags, driverFlagSpecs, driverOptionsFromArgs } from '../src/driver-flags.js';
import { cliMessage, flagFor } from '../src/hints.js';

const flags = driverFlags();
const parse = (argv: string[]) => parseArgs(argv, driverFlagSpecs(flags), 'submit');

describe('driver flags', () => {
  it('are the schema options in kebab case: booleans without a value, lists repeatable', () => {
    const docker = flags.filter((f) => f.driver === 'docker');
    expect(docker.map((f) => f.flag)).toEqual(['network', 'keep', 'stop-timeout', 'runner-command', 'label', 'user']);
    expect(docker.find((f) => f.flag === 'keep')).toMatchObject({ arity: 0, multiple: false });
    expect(docker.find((f) => f.flag === 'label')).toMatchObject({ arity: 1, multiple: true, valueName: 'KEY=VALUE' });
    expect(driverFlagHelp(flags)).toMatch(/--kfp-upload\s+kubeflow: upload the pipeline/);
    expect(driverFlagHelp(flags)).toMatch(/--s3-virtual-host\s+kubernetes: virtual-host-style/);
  });

  it('become the JSON options, numbers parsed', () => {
    const args = parse(['--network', 'none', '--keep', '--stop-timeout', '30', '--label', 'a=1', '--label', 'b=2']);
    expect(driverOptionsFromArgs('docker', args, flags)).toEqual({ network: 'none', keep: true, stopTimeout: 30, label: ['a=1', 'b=2'] });
    expect(driverOptionsFromArgs('kubernetes', parse(['--store', 's3://b/p', '--job-s3-endpoint', 'http://minio:9000']), flags)).toEqual({
      store: 's3://b/p',
      jobS3Endpoint: 'http://minio:9000',
    });
  });

  it('refuse a flag of another driver and a bad value, naming the flag', () => {
    expect(() => driverOptionsFromArgs('docker', parse(['--namespace', 'ml']), flags)).toThrow('nbrun submit: --namespace does not apply to --driver docker');
    let err: unknown;
    try {
      driverOptionsFromArgs('kubernetes', parse(['--active-deadline', '1.5']), flags);
    } catch (e) {
      err = e;
    }
    expect(cliMessage(err as UsageError)).toBe('--active-deadline must be an integer >= 1, got 1.5');
  });
});

describe('cliMessage', () => {
  it.each([
    [new UsageError("stopTimeout must be a whole number of seconds, got 'soon'", { hint: { option: 'stopTimeout' } }), "--stop-timeout must be a whole number of seconds, got 'soon'"],
    [new UsageError('the ffdl driver needs s3Endpoint (or jobS3Endpoint)', { hint: { option: 's3Endpoint' } }), 'the ffdl driver needs --s3-endpoint (or --job-s3-endpoint)'],
    [new UsageError("gpus is not supported by driver local (use driver docker)", { hint: { option: 'gpus' } }), '--gpus is not supported by --driver local (use --driver docker)'],
    [new UsageError("dependencies 'x.py': no such file (or pass allowOutside)", { hint: { option: 'dependencies' } }), "--deps 'x.py': no such file (or pass --allow-outside)"],
    [new UsageError('check gatewayToken', { hint: { option: 'gatewayToken' } }), 'check --gateway-token'],
    [new UsageError("store 'store': expected s3://store", { hint: { option: 'store' } }), "--store 'store': expected s3://store"],
    [new UsageError('stopTimeout without a hint stays as it is'), 'stopTimeout without a hint stays as it is'],
  ])('%s', (err, message) => {
    expect(cliMessage(err)).toBe(message);
  });

  it('knows the flags whose name is not the option', () => {
    expect(['memoryBytes', 'cellTimeoutSeconds', 'startTimeoutSeconds', 'kfpTokenEnv'].map(flagFor)).toEqual([
      '--memory', '--execution-timeout', '--start-timeout', '--kfp-token-env',
    ]);
  });
});
