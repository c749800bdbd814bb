/**
 * Importing a package's main entry loads only what it needs: @nbrun/core without zeromq,
 * @jupyterlab/services, undici or ws (they load when a kernel starts / a remote gateway is
 * used) nor ajv (the first validation loads it); @nbrun/runner's index without the AWS SDK (loaded for an s3:// URL only).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A resolve hook that writes every resolved module URL to $NBRUN_LOADED_FILE.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.NBRUN_LOADED_FILE, result.url + '\\n');
  return result;
}`;
writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
// And every file `require()` resolves (a synchronous lazy load, as core's ajv, passes no ESM hook).
const REGISTER = `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  appendFileSync(process.env.NBRUN_LOADED_FILE, file + '\\n');
  return file;
};
`;
writeFileSync(join(dir, 'register.mjs'), REGISTER);

/** Every module URL (or file) resolved by running `code` (an ES module body) from the checkout's sources. */
function modulesLoadedBy(name: string, code: string): string[] {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const script = join(REPO_ROOT, `.lazy-${name}-${process.pid}.mts`);
  writeFileSync(script, code);
  try {
    const res = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), '--import', 'tsx', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NBRUN_LOADED_FILE: log },
    });
    expect(res.status, res.stderr).toBe(0);
  } finally {
    rmSync(script, { force: true });
  }
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

/** The node_modules packages loaded by running `code` (an ES module body) from the checkout's sources. */
function packagesLoadedBy(name: string, code: string): string[] {
  const names = new Set<string>();
  for (const url of modulesLoadedBy(name, code)) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url.replace(/.*\/node_modules\/\.pnpm\/[^/]+/, ''));
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

describe('lazy loading', () => {
  it('@nbrun/core: no zeromq, @jupyterlab/services, undici, ws or ajv on import, nor when gateways are created', () => {
    const loaded = packagesLoadedBy(
      'core',
      `import { createEmbeddedGateway, createRemoteGateway, runNotebook } from '@nbrun/core';
       createEmbeddedGateway(); createRemoteGateway({ url: 'http://127.0.0.1:1' }); void runNotebook;`,
    );
    for (const heavy of ['zeromq', '@jupyterlab/services', 'undici', 'ws', '@lumino/coreutils', 'ajv', 'ajv-draft-04']) expect(loaded).not.toContain(heavy);
  });

  it('@nbrun/core loads ajv with the first validation; a 4.5 notebook only its precompiled validator', () => {
    // 4.5: the validator compiled at build time (ajv's runtime helpers only, no compiler).
    const v45 = packagesLoadedBy('validate', `import { validateNotebook } from '@nbrun/core'; validateNotebook({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] });`);
    expect(v45).not.toContain('ajv-draft-04');
    const v44 = packagesLoadedBy('validate-4.4', `import { validateNotebook } from '@nbrun/core'; validateNotebook({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [] });`);
    expect(v44).toContain('ajv-draft-04');
  });

  it('@nbrun/core/remote and @nbrun/core/embedded load their transports', () => {
    expect(packagesLoadedBy('remote', `import '@nbrun/core/remote';`)).toEqual(expect.arrayContaining(['@jupyterlab/services', 'ws']));
    expect(packagesLoadedBy('embedded', `import '@nbrun/core/embedded';`)).toContain('zeromq');
  });

  it('@nbrun/drivers: no driver SDK on import, nor when the registry is made and options are checked', () => {
    const loaded = packagesLoadedBy(
      'drivers',
      `import { createDriverRegistry, driverNames, JobRegistry, validateDriverOptions } from '@nbrun/drivers';
       const registry = createDriverRegistry();
       const jobs = new JobRegistry(${JSON.stringify(join(dir, 'jobs'))});
       for (const { name } of driverNames()) registry.create(name, { jobs, env: process.env });
       validateDriverOptions('docker', {});`,
    );
    const sdks = ['@kubernetes/client-node', 'fflate', 'tar-stream', 'yaml', '@nbrun/runner'];
    expect(loaded.filter((p) => sdks.includes(p) || p.startsWith('@aws-sdk/'))).toEqual([]);
  });

  it('@nbrun/drivers/docker loads no Docker SDK: its Engine API client is node:http (#13 §7)', () => {
    const loaded = packagesLoadedBy('docker', `import '@nbrun/drivers/docker';`);
    // dockerode loaded ssh2 and gRPC (BuildKit sessions) at the top: ~1.7 s of CPU per docker command at load.
    expect(loaded.filter((p) => /docker|ssh2|grpc|protobuf/i.test(p))).toEqual([]);
    expect(loaded).toContain('tar-stream'); // the bundle in, the results out
  });

  it("@nbrun/drivers loads the runner's contract, never its implementation (#13 §5)", () => {
    // The files of @nbrun/runner's src/ that make the contract: job spec (and its precompiled validators), bundle paths (and their error), status.json, S3 URLs, the build's file names, the runner host's files.
    const contract = ['bundle-path.ts', 'contract.ts', 'dist-files.ts', 'errors.ts', 'host-protocol.ts', 's3-describe.ts', 's3-url.ts', 'spec-validators.generated.ts', 'spec.ts', 'status.ts'];
    const runnerFiles = modulesLoadedBy('drivers-job', `import '@nbrun/drivers/job'; import '@nbrun/drivers/local'; import '@nbrun/drivers/store';`)
      .map((url) => /\/packages\/runner\/src\/(.+)$/.exec(url)?.[1])
      .filter((f): f is string => f !== undefined);
    expect(runnerFiles).toContain('contract.ts');
    expect([...new Set(runnerFiles)].filter((f) => !contract.includes(f))).toEqual([]);
  });

  it('@nbrun/runner: no AWS SDK on import', () => {
    const loaded = packagesLoadedBy('runner', `import * as runner from '@nbrun/runner'; void runner.describeS3Error;`);
    expect(loaded.filter((p) => p.startsWith('@aws-sdk/'))).toEqual([]);
  });
});
