/**
 * The job spec: schema validation with one-line messages naming the field, the published
 * schema files equal to their source, spec layers and flags.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asFloat } from '@nbrun/core';
import { parseRunnerArgs } from '../src/args.js';
import { mergeSpecs, platformDefaults, splitNotebookPath } from '../src/load-spec.js';
import { PUBLISHED_SCHEMAS } from '../src/schemas.js';
import { JobSpecError, validateJobSpec } from '../src/spec.js';
import { specValidatorsSource } from '../scripts/spec-validators.js';
import { Ajv } from './helpers/ajv.js';

describe('validateJobSpec', () => {
  it('accepts a full spec', () => {
    const spec = {
      $schema: 'https://nbrun.dev/schemas/job-spec.schema.json',
      jobId: 'j-1',
      notebook: 'nb/train.ipynb',
      output: 'executed/train.ipynb',
      parameters: { epochs: 3, lr: 0.1, name: 'x', tags: ['a'], cfg: { a: null } },
      kernel: 'python3',
      cellTimeoutSeconds: 60,
      runTimeoutSeconds: 3600.5,
      startTimeoutSeconds: 120,
      allowErrors: true,
      cwd: 'nb',
      env: { OMP_NUM_THREADS: '4' },
      gateway: { url: 'https://gateway.example:8888/base', tokenEnv: 'GATEWAY_TOKEN', requestTimeoutSeconds: 600 },
      input: 's3://bucket/key.zip',
      results: 's3://bucket/results/',
      logOutput: true,
      logFormat: 'json',
      autosaveSeconds: 0,
    };
    expect(validateJobSpec(spec)).toBe(spec);
  });

  const invalid: [string, unknown, string][] = [
    ['not an object', [], "job spec: the job spec must be an object (got an array)"],
    ['no notebook', {}, "job spec: 'notebook' is required"],
    ['absolute notebook', { notebook: '/etc/nb.ipynb' }, "job spec: 'notebook' must be a relative path inside the input: has an absolute path"],
    ['.. in cwd', { notebook: 'a.ipynb', cwd: 'x/../../y' }, "job spec: 'cwd' must be a relative path inside the input: has a '..' segment"],
    ['windows drive output', { notebook: 'a.ipynb', output: 'C:\\out.ipynb' }, "job spec: 'output' must be a relative path inside the results: has an absolute path"],
    // The bundle path policy (bundle-path.ts), beyond what the schema's pattern says.
    ['backslash notebook', { notebook: 'nb\\train.ipynb' }, "job spec: 'notebook' must be a relative path inside the input: has a backslash: '/' separates folders"],
    ['control character in output', { notebook: 'a.ipynb', output: 'out\n.ipynb' }, "job spec: 'output' must be a relative path inside the input: has a control character".replace('input', 'results')],
    ['notebook names the folder', { notebook: './' }, "job spec: 'notebook' must be a relative path inside the input: names the bundle's folder itself"],
    ['segment over 255 bytes', { notebook: `${'é'.repeat(128)}.ipynb` }, "job spec: 'notebook' must be a relative path inside the input: is too long: over 255 bytes in a segment or 3072 in all"],
    ['zero run timeout', { notebook: 'a.ipynb', runTimeoutSeconds: 0 }, "job spec: 'runTimeoutSeconds' must be a number > 0 (got 0)"],
    ['string timeout', { notebook: 'a.ipynb', cellTimeoutSeconds: '10' }, "job spec: 'cellTimeoutSeconds' must be a number"],
    ['allowErrors not boolean', { notebook: 'a.ipynb', allowErrors: 'yes' }, "job spec: 'allowErrors' must be a boolean"],
    ['env value not a string', { notebook: 'a.ipynb', env: { N: 4 } }, "job spec: 'env.N' must be a string (got 4)"],
    ['env name invalid', { notebook: 'a.ipynb', env: { 'A-B': 'x' } }, "job spec: 'env' has a key that is not an environment variable name ('A-B')"],
    ['gateway token inline', { notebook: 'a.ipynb', gateway: { url: 'http://g', token: 'abc' } }, "job spec: 'gateway.token' is not a job spec field"],
    ['gateway tokenEnv invalid', { notebook: 'a.ipynb', gateway: { url: 'http://g', tokenEnv: '$T' } }, "job spec: 'gateway.tokenEnv' must be an environment variable name"],
    ['parameters an array', { notebook: 'a.ipynb', parameters: [1] }, "job spec: 'parameters' must be an object (got an array)"],
    ['log format', { notebook: 'a.ipynb', logFormat: 'yaml' }, `job spec: 'logFormat' must be one of "text", "json"`],
  ];
  it.each(invalid)('%s: one line naming the field', (_name, value, message) => {
    let err: unknown;
    try {
      validateJobSpec(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JobSpecError);
    expect((err as JobSpecError).code).toBe('E_JOB_SPEC');
    expect((err as JobSpecError).exitCode).toBe(2);
    expect((err as Error).message).toBe(message);
  });

  it('never echoes a string value (it could be a secret in the wrong field)', () => {
    expect(() => validateJobSpec({ notebook: 'a.ipynb', kernel: '', gateway: { url: 'sekrit-value' } })).toThrow(/^job spec: 'kernel'/);
    expect(() => validateJobSpec({ notebook: 'a.ipynb', gateway: { url: 'sekrit-value' } })).toThrow(/^(?!.*sekrit)/);
  });

  it('returns the paths in canonical form (a new object only when one changes)', () => {
    expect(validateJobSpec({ notebook: './nb//train.ipynb', cwd: './', output: 'out/./x.ipynb' })).toEqual({ notebook: 'nb/train.ipynb', cwd: '.', output: 'out/x.ipynb' });
    expect(validateJobSpec({ output: './out//x.ipynb' }, 'layer', { partial: true })).toEqual({ output: 'out/x.ipynb' });
    expect(() => validateJobSpec({ notebook: 'a.ipynb', output: './/status.json' })).toThrow(/'output' "\.\/\/status\.json" is a file the runner writes itself/); // checked canonical, quoted as written
  });

  it('partial layers need no notebook', () => {
    expect(validateJobSpec({ results: 'out' }, 'layer', { partial: true })).toEqual({ results: 'out' });
  });
});

describe('published schemas', () => {
  it.each(Object.keys(PUBLISHED_SCHEMAS))('schemas/%s equals its source (run `pnpm --filter @nbrun/runner schemas`)', (name) => {
    const file = JSON.parse(readFileSync(new URL(`../schemas/${name}`, import.meta.url), 'utf8')) as unknown;
    expect(file).toEqual(JSON.parse(JSON.stringify(PUBLISHED_SCHEMAS[name])));
  });

  it('src/spec-validators.generated.ts is compiled from the job spec schema (run `pnpm --filter @nbrun/runner schemas`)', () => {
    const file = readFileSync(new URL('../src/spec-validators.generated.ts', import.meta.url), 'utf8');
    expect(file === specValidatorsSource(), 'src/spec-validators.generated.ts is stale').toBe(true);
  });

  // Nothing checks them against the meta-schema at run time.
  it.each(Object.keys(PUBLISHED_SCHEMAS))('%s is a valid draft-07 schema', (name) => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    ajv.addFormat('date-time', /./);
    expect(ajv.validateSchema(PUBLISHED_SCHEMAS[name]!), ajv.errorsText(ajv.errors)).toBe(true);
  });
});

describe('spec layers and flags', () => {
  it('merges layers, later winning, parameters/env/gateway key by key', () => {
    expect(
      mergeSpecs(
        { notebook: 'a.ipynb', parameters: { a: 1, b: 1 }, env: { X: '1' }, gateway: { url: 'http://g', tokenEnv: 'T' } },
        { notebook: 'b.ipynb', parameters: { b: 2 }, gateway: { url: 'http://h' } },
        undefined,
        { kernel: 'ir', parameters: { c: 3 } },
      ),
    ).toEqual({
      notebook: 'b.ipynb',
      kernel: 'ir',
      parameters: { a: 1, b: 2, c: 3 },
      env: { X: '1' },
      gateway: { url: 'http://h', tokenEnv: 'T' },
    });
  });

  it('parses flags into spec fields and runner settings', () => {
    const { overrides, settings } = parseRunnerArgs([
      '--spec', 'job.json', '--notebook', 'nb.ipynb', '--input=bundle.zip', '--results', 's3://b/r',
      '-p', 'epochs', '10', '-p', 'lr', '1e-3', '-p', 'name', 'adam', '-r', 'id', '007', '-p', 'flags', '[1,2]',
      '--env', 'A=1=2', '--cell-timeout', '30', '--allow-errors', '--log-output', '--log-format', 'json',
      '--gateway-url', 'http://g:8888', '--gateway-token-env', 'GW_TOKEN', '--grace', '5', '--keep-work-dir',
    ]);
    expect(overrides).toEqual({
      notebook: 'nb.ipynb', input: 'bundle.zip', results: 's3://b/r',
      parameters: { epochs: 10, lr: 0.001, name: 'adam', id: '007', flags: '[1,2]' },
      env: { A: '1=2' }, cellTimeoutSeconds: 30, allowErrors: true, logOutput: true, logFormat: 'json',
      gateway: { url: 'http://g:8888', tokenEnv: 'GW_TOKEN' },
    });
    expect(settings).toMatchObject({ specFile: 'job.json', graceSeconds: 5, keepWorkDir: true });
  });

  it.each([
    [['--nope'], "nbrun-runner: unknown option '--nope' (see 'nbrun-runner --help')"],
    [['--notebook'], "nbrun-runner: option '--notebook' needs a value"],
    [['-p', 'x'], "nbrun-runner: option '-p' needs a value"],
    [['--env', 'NOVALUE'], "nbrun-runner: --env needs NAME=VALUE, got 'NOVALUE…'"],
    [['--cell-timeout', '-3'], "nbrun-runner: --cell-timeout must be a positive number of seconds, got '-3'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseRunnerArgs(argv)).toThrow(message);
  });

  it('infers -p values as nbrun -p and papermill do (issue 11 item 6): True is a boolean, true a string, 1.0 a float', () => {
    const p = (value: string) => parseRunnerArgs(['-p', 'x', value]).overrides.parameters!.x;
    expect(['True', 'False', 'None', 'true', 'null', '3.5', '1.0', '1e3', '10', '[1, 2]', '{"a": 1}', 'x y'].map(p)).toEqual([
      true, false, null, 'true', 'null', 3.5, asFloat(1), asFloat(1000), 10, '[1, 2]', '{"a": 1}', 'x y',
    ]);
    expect(p('1.0')).toBeInstanceOf(asFloat(0).constructor);
    expect(parseRunnerArgs(['-r', 'x', 'True']).overrides.parameters).toEqual({ x: 'True' });
  });

  it('an absolute --notebook without --input makes its folder the input', () => {
    expect(splitNotebookPath({ notebook: '/data/job/nb.ipynb' })).toEqual({ notebook: 'nb.ipynb', input: '/data/job' });
    expect(splitNotebookPath({ notebook: '/data/job/nb.ipynb', input: 'x' })).toEqual({ notebook: '/data/job/nb.ipynb', input: 'x' });
  });

  it('takes $MODEL_DIR and $RESULT_DIR (FfDL) when the spec names no input or results', () => {
    expect(platformDefaults({}, { MODEL_DIR: '/model', RESULT_DIR: '/result' })).toEqual({ input: '/model', results: '/result' });
    expect(platformDefaults({ input: 'in', results: 'out' }, { MODEL_DIR: '/model', RESULT_DIR: '/result' })).toEqual({ input: 'in', results: 'out' });
    expect(platformDefaults({}, {})).toEqual({ input: '.', results: 'results' });
  });
});
