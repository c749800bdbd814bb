/**
 * nbrun-runner as a real process on real job specs and bundles, with real kernels
 * (Debian's ipykernel through the embedded gateway).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, inject, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { STATUS_SCHEMA, type JobStatus } from '../src/status.js';
import { compileSchema } from './helpers/ajv.js';
import { FIXTURES, spawnRunner, tempDir } from './helpers/runner-process.js';

const validateStatus = compileSchema(STATUS_SCHEMA);

function readStatus(dir: string): JobStatus {
  const status = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as JobStatus;
  expect(validateStatus(status), JSON.stringify(validateStatus.errors)).toBe(true);
  return status;
}

type TestCell = { id?: string; source: string | string[]; outputs?: { text?: string | string[]; ename?: string }[] };

function readNotebook(path: string): { cells: TestCell[] } {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Cells are found by id: nbrun adds cells (injected parameters, error markers) to the output. */
function cellById(nb: { cells: TestCell[] }, id: string): TestCell {
  const cell = nb.cells.find((c) => c.id === id);
  if (!cell) throw new Error(`no cell ${id} in the output notebook`);
  return cell;
}

function outputText(cell: { outputs?: { text?: string | string[] }[] }): string {
  return (cell.outputs ?? []).map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? ''))).join('');
}

/** A job dir holding a copy of a fixture notebook as the input. */
function inputWith(notebook: string): string {
  const dir = tempDir('nbrun-runner-input-');
  cpSync(join(FIXTURES, 'notebooks', notebook), join(dir, notebook));
  return dir;
}

describe('nbrun-runner (process, from source)', () => {
  it('runs a bundle directory from a spec file: parameters, bundle files found, notebook and status written', async () => {
    const job = tempDir();
    const results = join(job, 'results');
    writeFileSync(
      join(job, 'job.json'),
      JSON.stringify({
        notebook: 'reads-bundle-files.ipynb',
        input: join(FIXTURES, 'bundles/hello'),
        results,
        parameters: { greeting: 'hi', repeat: 2 },
        jobId: 'job-success',
      }),
    );
    const run = spawnRunner(['--spec', join(job, 'job.json'), '-p', 'repeat', '3', '--log-format', 'json']);
    const { code, stdout, stderr } = await run.done;
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_CODES.ok);
    const status = readStatus(results);
    expect(status).toMatchObject({ state: 'completed', exitCode: 0, jobId: 'job-success', output: 'output.ipynb', kernel: 'python3' });
    expect(status.parameters).toEqual({ greeting: 'hi', repeat: 3 });
    // The notebook's parameters cell, nbrun's injected one, and two more.
    expect(status.cells.map((c) => c.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(status.cells.map((c) => c.executionCount)).toEqual([1, 2, 3, 4]);
    const nb = readNotebook(join(results, 'output.ipynb'));
    const texts = nb.cells.map((c) => outputText(c) + JSON.stringify(c.outputs ?? []));
    expect(texts.join('\n')).toContain('HI!HI!HI!');
    expect(texts.join('\n')).toContain('bundle data');
    // JSON log lines: one per cell start and end, and a summary.
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; index?: number; jobId?: string });
    expect(events.filter((e) => e.event === 'cell-start')).toHaveLength(4);
    expect(events.filter((e) => e.event === 'cell-end')).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ event: 'job-end', state: 'completed', exitCode: 0, jobId: 'job-success' });
    // The bundle directory itself was copied, not written into.
    expect(readdirSync(join(FIXTURES, 'bundles/hello')).sort()).toEqual(['data.txt', 'helper.py', 'reads-bundle-files.ipynb']);
  });

  it('injects parameters as nbrun run does (issue 11 items 3, 6): 1.0 in the spec stays a float, -p True is a boolean, -p true a string', async () => {
    const input = tempDir('nbrun-runner-input-');
    cpSync(join(FIXTURES, '../../../../test/fixtures/notebooks/params-types.ipynb'), join(input, 'params-types.ipynb'));
    const job = tempDir();
    const results = join(job, 'results');
    writeFileSync(join(job, 'job.json'), '{"notebook": "params-types.ipynb", "parameters": {"lr": 1.0, "epochs": 3}}');
    const run = spawnRunner(['--spec', join(job, 'job.json'), '--input', input, '--results', results, '-p', 'flag', 'True', '-p', 'name', 'true']);
    const { code, stderr } = await run.done;
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_CODES.ok);
    const nb = readNotebook(join(results, 'output.ipynb'));
    expect(JSON.parse(outputText(cellById(nb, 'types')))).toEqual({
      lr: ['float', '1.0'], epochs: ['int', '3'], flag: ['bool', 'True'], name: ['str', "'true'"],
    });
  });

  it('a failing cell: exit 1, status failed with the cell, the notebook holds the error', async () => {
    const input = inputWith('raises-value-error.ipynb');
    const results = join(tempDir(), 'out');
    const run = spawnRunner(['--input', input, '--notebook', 'raises-value-error.ipynb', '--results', results]);
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(EXIT_CODES.cellError);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('ValueError');
    const status = readStatus(results);
    expect(status.state).toBe('failed');
    expect(status.error?.code).toBe('E_CELL_ERROR');
    // Index 2: after the injected-parameters cell nbrun puts at the top.
    expect(status.failedCell).toMatchObject({ index: 2, id: 'cell-1', ename: 'ValueError', evalue: 'bad value 42' });
    expect(status.cells.find((c) => c.id === 'cell-2')).toMatchObject({ status: 'pending', executionCount: null });
    const nb = readNotebook(join(results, 'output.ipynb'));
    expect(JSON.stringify(cellById(nb, 'cell-1').outputs)).toContain('bad value 42');
    expect(outputText(cellById(nb, 'cell-0'))).toContain('before the error');
    expect(stdout).toMatch(/cell 2 \[\d+\] failed in/);
    expect(stdout).toMatch(/job failed .*exit 1$/m);
  });

  it('writes the final status and notebook before its kernel has exited, and ends only once it has (its atexit ran, a SIGTERM meanwhile changes nothing)', async () => {
    const input = inputWith('slow-teardown.ipynb');
    const results = join(tempDir(), 'out');
    const marker = join(tempDir(), 'teardown-done');
    const run = spawnRunner(['--input', input, '--notebook', 'slow-teardown.ipynb', '--results', results, '-p', 'marker', marker]);
    // The final status comes right after the summary line: the kernel is still in its 1.5 s atexit.
    await run.waitForLine(/job completed/);
    await expect.poll(() => readStatus(results).state, { timeout: 10_000 }).toBe('completed');
    expect(existsSync(marker)).toBe(false);
    expect(readStatus(results)).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(outputText(cellById(readNotebook(join(results, 'output.ipynb')), 'cell-0'))).toBe('registered\n');
    // A cancel that comes while the kernel exits: the run had ended; its result and exit code stand.
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.done;
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_CODES.ok);
    expect(readFileSync(marker, 'utf8')).toBe('teardown done');
    expect(readStatus(results)).toMatchObject({ state: 'completed', exitCode: 0 });
  });

  it.each([
    { sig: 'SIGTERM' as const, exit: EXIT_CODES.terminated, state: 'terminated' },
    { sig: 'SIGINT' as const, exit: EXIT_CODES.interrupted, state: 'cancelled' },
  ])('$sig in the middle of a long cell: partial notebook, status $state, exit $exit', async ({ sig, exit, state }) => {
    const input = inputWith('sleeps-in-second-cell.ipynb');
    const results = join(tempDir(), 'out');
    const run = spawnRunner(['--input', input, '--notebook', 'sleeps-in-second-cell.ipynb', '--results', results, '--log-output']);
    await run.waitForLine(/long cell started/);
    expect(readStatus(results).state).toBe('running');
    run.child.kill(sig);
    const { code, signal } = await run.done;
    expect(signal).toBeNull();
    expect(code).toBe(exit);
    const status = readStatus(results);
    expect(status.state).toBe(state);
    expect(status.signal).toBe(sig);
    // Ended through cancellation, not the grace-period fallback.
    expect(status.error?.message).not.toMatch(/grace period/);
    const nb = readNotebook(join(results, 'output.ipynb'));
    expect(outputText(cellById(nb, 'cell-0'))).toContain('first cell done');
    expect(outputText(cellById(nb, 'cell-1'))).toContain('long cell started');
    expect(outputText(cellById(nb, 'cell-1'))).not.toContain('long cell finished');
    expect(status.cells.find((c) => c.id === 'cell-0')?.status).toBe('completed');
    expect(status.cells.find((c) => c.id === 'cell-1')?.status).toBe('cancelled');
  });

  it('a kernel that ignores the interrupt: the grace period ends the job with exit 143 and the last autosave', async () => {
    const input = inputWith('ignores-interrupt.ipynb');
    const results = join(tempDir(), 'out');
    const run = spawnRunner(['--input', input, '--notebook', 'ignores-interrupt.ipynb', '--results', results, '--autosave', '1', '--grace', '1']);
    await run.waitForLine(/cell \d+ \(cell-0\) started/);
    // The notebook is saved while the long cell runs (autosave timer), before any signal.
    await expect.poll(() => existsSync(join(results, 'output.ipynb')) && readFileSync(join(results, 'output.ipynb'), 'utf8'), { timeout: 30_000 }).toContain(
      'ignoring interrupts',
    );
    run.child.kill('SIGTERM');
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(EXIT_CODES.terminated);
    const status = readStatus(results);
    // On a mismatch, show how the run ended (status, runner output), not just the message.
    const seen = `status: ${JSON.stringify(status, null, 1)}\nstdout:\n${stdout}\nstderr:\n${stderr}`;
    expect(status, seen).toMatchObject({ state: 'terminated', exitCode: 143, signal: 'SIGTERM' });
    expect(status.error?.message, seen).toMatch(/did not stop within the grace period/);
    expect(status.cells.find((c) => c.id === 'cell-0')?.status).toBe('running');
  });

  it('keeps secrets out of logs and status: env tokens in kernel output, URL credentials', async () => {
    const zip = zipSync({ 'prints-secret-env.ipynb': readFileSync(join(FIXTURES, 'notebooks/prints-secret-env.ipynb')) });
    const server = createServer((req, res) => {
      const ok = req.headers.authorization === `Basic ${Buffer.from('user:url-password-123').toString('base64')}`;
      res.writeHead(ok ? 200 : 401).end(ok ? zip : undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const url = `http://user:url-password-123@127.0.0.1:${port}/bundle.zip?token=query-secret-456`;
      const results = join(tempDir(), 'out');
      const secret = 'sk-live-0123456789abcdef';
      const run = spawnRunner(['--input', url, '--notebook', 'prints-secret-env.ipynb', '--results', results, '--log-output', '--log-format', 'json'], {
        env: { MY_API_TOKEN: secret },
      });
      const { code, stdout, stderr } = await run.done;
      expect(stderr).toBe('');
      expect(code).toBe(0);
      // The kernel really printed the secret into the notebook; the log line shows it hidden.
      expect(readFileSync(join(results, 'output.ipynb'), 'utf8')).toContain(secret);
      expect(stdout).toContain('token is ***');
      for (const leaked of [secret, 'url-password-123', 'query-secret-456']) {
        expect(stdout).not.toContain(leaked);
        expect(readFileSync(join(results, 'status.json'), 'utf8')).not.toContain(leaked);
      }
      expect(stdout).toContain('http://***@127.0.0.1');
    } finally {
      server.close();
    }
  });

  it('runs on a remote Jupyter server named by the spec, the token read from the env var it names', async () => {
    const input = inputWith('prints-a-sum.ipynb');
    const results = join(tempDir(), 'out');
    const job = tempDir();
    writeFileSync(
      join(job, 'job.json'),
      JSON.stringify({ notebook: 'prints-a-sum.ipynb', input, results, gateway: { url: inject('jupyterUrl'), tokenEnv: 'TEST_GATEWAY_CREDENTIAL' } }),
    );
    const token = inject('jupyterToken');
    const run = spawnRunner(['--spec', join(job, 'job.json'), '--log-output'], { env: { TEST_GATEWAY_CREDENTIAL: token } });
    const { code, stdout, stderr } = await run.done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('sum is 2');
    expect(stdout).not.toContain(token);
    expect(readFileSync(join(results, 'status.json'), 'utf8')).not.toContain(token);
    expect(readStatus(results)).toMatchObject({ state: 'completed', kernel: 'python3' });
  });

  it('a wrong gateway token: exit 5 (gateway), status failed with the gateway error', async () => {
    const input = inputWith('prints-a-sum.ipynb');
    const results = join(tempDir(), 'out');
    const run = spawnRunner(
      ['--input', input, '--notebook', 'prints-a-sum.ipynb', '--results', results, '--gateway-url', inject('jupyterUrl'), '--gateway-token-env', 'TEST_GATEWAY_CREDENTIAL'],
      { env: { TEST_GATEWAY_CREDENTIAL: 'not-the-token' } },
    );
    const { code, stderr } = await run.done;
    expect(code).toBe(EXIT_CODES.gateway);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(readStatus(results)).toMatchObject({ state: 'failed', exitCode: 5, error: { code: 'E_GATEWAY_AUTH' } });
  });

  it('a whole-run timeout: exit 4, status timed-out, partial notebook kept', async () => {
    const input = inputWith('sleeps-in-second-cell.ipynb');
    const results = join(tempDir(), 'out');
    // The run timeout counts the kernel start too: it must leave the start (seconds on a busy
    // machine) time to finish, or nothing runs and nothing is written (the next test).
    const run = spawnRunner(['--input', input, '--notebook', 'sleeps-in-second-cell.ipynb', '--results', results, '--run-timeout', '20']);
    const { code } = await run.done;
    expect(code, run.stderr()).toBe(EXIT_CODES.timeout);
    const status = readStatus(results);
    expect(status.state).toBe('timed-out');
    expect(status.error?.code).toBe('E_RUN_TIMEOUT');
    expect(outputText(cellById(readNotebook(join(results, 'output.ipynb')), 'cell-0'))).toContain('first cell done');
  });

  it('a whole-run timeout during the kernel start: exit 4 E_RUN_TIMEOUT (not a cancellation), no notebook', async () => {
    const input = inputWith('sleeps-in-second-cell.ipynb');
    const data = tempDir('nbrun-runner-kernels-');
    mkdirSync(join(data, 'kernels', 'silent'), { recursive: true });
    // Never binds its ports: the start would wait for its 60 s timeout.
    writeFileSync(join(data, 'kernels', 'silent', 'kernel.json'), JSON.stringify({ argv: ['sleep', '120'], display_name: 'silent', language: 'python' }));
    const results = join(tempDir(), 'out');
    const run = spawnRunner(['--input', input, '--notebook', 'sleeps-in-second-cell.ipynb', '--results', results, '--run-timeout', '2', '--kernel', 'silent'], {
      env: { JUPYTER_PATH: data },
    });
    const { code } = await run.done;
    expect(code, run.stderr()).toBe(EXIT_CODES.timeout);
    const status = readStatus(results);
    expect(status.state).toBe('timed-out');
    expect(status.error?.code).toBe('E_RUN_TIMEOUT');
    expect(existsSync(join(results, 'output.ipynb'))).toBe(false);
  });

  it('the kernel process dies: exit 3, status kernel-died, outputs before it kept', async () => {
    const input = inputWith('exits-the-kernel.ipynb');
    const results = join(tempDir(), 'out');
    const { code } = await spawnRunner(['--input', input, '--notebook', 'exits-the-kernel.ipynb', '--results', results]).done;
    expect(code).toBe(EXIT_CODES.kernelDied);
    const status = readStatus(results);
    expect(status).toMatchObject({ state: 'kernel-died', exitCode: 3, error: { code: 'E_KERNEL_DIED' } });
    expect(outputText(cellById(readNotebook(join(results, 'output.ipynb')), 'cell-0'))).toContain('about to exit');
  });

  it('FfDL-style env: $MODEL_DIR holds the code and its nbrun-job.json, results go to $RESULT_DIR', async () => {
    const modelDir = tempDir('nbrun-model-dir-');
    cpSync(join(FIXTURES, 'bundles/hello'), modelDir, { recursive: true });
    writeFileSync(join(modelDir, 'nbrun-job.json'), JSON.stringify({ notebook: 'reads-bundle-files.ipynb', parameters: { greeting: 'ffdl' } }));
    const resultDir = tempDir('nbrun-result-dir-');
    const run = spawnRunner([], { env: { MODEL_DIR: modelDir, RESULT_DIR: resultDir } });
    const { code, stderr } = await run.done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const status = readStatus(resultDir);
    expect(status).toMatchObject({ state: 'completed', notebook: 'reads-bundle-files.ipynb', parameters: { greeting: 'ffdl' } });
    expect(JSON.stringify(readNotebook(join(resultDir, 'output.ipynb')))).toContain('FFDL!');
    expect(existsSync(join(modelDir, 'output.ipynb'))).toBe(false);
  });
});

describe('nbrun-runner: invalid job specs', () => {
  const cases: { name: string; spec?: unknown; specText?: string; env?: Record<string, string>; args?: string[]; field: RegExp }[] = [
    { name: 'negative cell timeout', spec: { notebook: 'a.ipynb', cellTimeoutSeconds: -1 }, field: /'cellTimeoutSeconds' must be a number > 0/ },
    { name: 'missing notebook', spec: { input: '.' }, field: /'notebook' is required/ },
    { name: 'unknown field', spec: { notebook: 'a.ipynb', timeout: 5 }, field: /'timeout' is not a job spec field/ },
    { name: 'notebook escaping the input', spec: { notebook: '../a.ipynb' }, field: /'notebook' must be a relative path/ },
    { name: 'gateway without a URL scheme', spec: { notebook: 'a.ipynb', gateway: { url: 'gw:8888' } }, field: /'gateway.url' must be an http\(s\):\/\/ URL/ },
    { name: 'not JSON', specText: '{"notebook": ', field: /--spec .*job\.json: not valid JSON/ },
    { name: 'invalid $NBRUN_JOB_SPEC', env: { NBRUN_JOB_SPEC: JSON.stringify({ notebook: 'a.ipynb', logFormat: 'xml' }) }, field: /\$NBRUN_JOB_SPEC: 'logFormat' must be one of "text", "json"/ },
    { name: 'bad flag value', args: ['--run-timeout', 'soon'], field: /--run-timeout must be a positive number of seconds, got 'soon'/ },
    // It silently replaced the executed notebook with the status file (exit 0).
    { name: 'output named like the status file', args: ['--notebook', 'a.ipynb', '--output', 'status.json'], field: /'output' "status.json" is a file the runner writes itself/ },
    { name: 'output named like the job spec file', spec: { notebook: 'a.ipynb', output: './nbrun-job.json' }, field: /'output' ".\/nbrun-job.json" is a file the runner writes itself/ },
    { name: 'cwd not in the input', spec: { notebook: 'job.json', cwd: 'src' }, field: /job spec: cwd 'src' is not a directory in the input \./ },
    { name: 'notebook not in the input', spec: { notebook: 'missing.ipynb' }, field: /notebook 'missing.ipynb' is not in the input \. \(no notebooks there\)/ },
  ];
  it.each(cases)('$name: exit 2 and one line naming the field', async ({ spec, specText, env, args, field }) => {
    const job = tempDir();
    const results = join(job, 'results');
    const argv = [...(args ?? []), '--results', results];
    if (spec !== undefined || specText !== undefined) {
      writeFileSync(join(job, 'job.json'), specText ?? JSON.stringify(spec));
      argv.push('--spec', join(job, 'job.json'));
    }
    const { code, stderr } = await spawnRunner(argv, { cwd: job, ...(env ? { env } : {}) }).done;
    expect(code).toBe(EXIT_CODES.usage);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(field);
  });

  it('writes an invalid status where the results go', async () => {
    const job = tempDir();
    const results = join(job, 'results');
    writeFileSync(join(job, 'job.json'), JSON.stringify({ notebook: 'a.ipynb', results, runTimeoutSeconds: 0 }));
    const { code } = await spawnRunner(['--spec', join(job, 'job.json'), '--results', results]).done;
    expect(code).toBe(2);
    expect(readStatus(results)).toMatchObject({ state: 'invalid', exitCode: 2, error: { code: 'E_JOB_SPEC' } });
  });
});
