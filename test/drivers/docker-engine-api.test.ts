/**
 * nbrun's Docker Engine API client (packages/drivers/src/backends/docker/engine.ts) against
 * the real engine (test/setup/docker-engine.ts) and the local image `nbrun-runner:test`:
 * a container's whole life through the client alone, and the ssh:// transport through a
 * stand-in `ssh` that runs its remote command (`docker system dial-stdio`) here.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, DockerApiError } from '@nbrun/drivers/docker';
import { demuxFrames, framesToLines } from '../../packages/drivers/src/backends/docker/logs.js';
import { extractTar, packTar } from '../../packages/drivers/src/backends/docker/archive.js';
import { ensureDockerEngine, type DockerEngineHandle } from '../setup/docker-engine.js';
import { REPO_ROOT } from './nbrun-process.js';

const IMAGE = process.env.NBRUN_TEST_IMAGE ?? 'nbrun-runner:test';
let engine: DockerEngineHandle;
let work: string;
const docker = () => createDockerClient(process.env);

beforeAll(async () => {
  engine = await ensureDockerEngine();
  const present = await docker().inspectImage(IMAGE).then(() => true, () => false);
  if (!present) await promisify(execFile)('bash', [join(REPO_ROOT, 'examples/docker/build-local-image.sh')], { env: { ...process.env, IMAGE } });
  work = await mkdtemp(join(tmpdir(), 'nbrun-engine-api-'));
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  await engine?.stop();
});

describe('the Docker Engine API client on the real engine', () => {
  it('create, put a tar, start, follow the demultiplexed log, wait, get a tar, remove', async () => {
    const c = docker();
    const name = `nbrun-engine-api-${process.pid}-${Date.now()}`;
    const { Id } = await c.createContainer({
      name,
      Image: IMAGE,
      Entrypoint: [
        '/usr/bin/node',
        '-e',
        "const fs = require('fs'); process.stdout.write(fs.readFileSync('/in/hello.txt')); console.error('to stderr'); fs.writeFileSync('/out/result.txt', 'done\\n'); process.exitCode = 3;",
      ],
      Cmd: [],
      Labels: { 'io.nbrun.test': 'engine-api' },
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      const info = await c.inspectContainer(Id);
      expect(info).toMatchObject({ Name: `/${name}`, State: { Status: 'created' }, HostConfig: { NetworkMode: 'none' } });
      expect(await c.listContainers({ all: true, filters: { label: ['io.nbrun.test=engine-api'], name: [name] } })).toEqual([
        expect.objectContaining({ Id, Names: [`/${name}`] }),
      ]);

      await c.putArchive(Id, '/', packTar(new Map([['hello.txt', new TextEncoder().encode('hello from the tar\n')]]), 'in', ['out']));
      await c.startContainer(Id);
      const lines: string[] = [];
      for await (const line of framesToLines(demuxFrames(await c.containerLogs(Id, { follow: true })))) lines.push(line);
      expect(lines.sort()).toEqual(['hello from the tar', 'to stderr']);
      expect(await c.waitContainer(Id)).toMatchObject({ StatusCode: 3 });
      expect((await c.inspectContainer(Id)).State).toMatchObject({ Status: 'exited', ExitCode: 3 });
      expect(await c.stopContainer(Id)).toBe(false); // not running: 304

      const out = join(work, 'out');
      expect(await extractTar(await c.getArchive(Id, '/out'), out, 1)).toEqual(['result.txt']);
      expect(await readFile(join(out, 'result.txt'), 'utf8')).toBe('done\n');
      const missing = await c.getArchive(Id, '/no/such/path').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(DockerApiError);
      expect(missing).toMatchObject({ statusCode: 404 });
    } finally {
      await c.removeContainer(Id, { force: true });
    }
    const gone = await c.inspectContainer(Id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(DockerApiError);
    expect(gone).toMatchObject({ statusCode: 404, message: expect.stringMatching(/^No such container: /) });
  });

  it('a missing image is a 404 DockerApiError with the engine\'s message', async () => {
    const err = await docker().inspectImage('nbrun-no-such-image:1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerApiError);
    expect(err).toMatchObject({ statusCode: 404, message: expect.stringMatching(/no such image/i) });
  });

  it('ssh://user@host:port goes through `ssh -l user -p port -- host docker system dial-stdio`', async () => {
    const bin = join(work, 'bin');
    await rm(bin, { recursive: true, force: true });
    await mkdir(bin, { recursive: true });
    const argsFile = join(work, 'ssh-args');
    // A stand-in ssh: records its arguments, drops everything up to and including the host, runs the rest here.
    await writeFile(
      join(bin, 'ssh'),
      `#!/bin/sh\necho "$@" >> ${JSON.stringify(argsFile)}\nwhile [ "$1" != "--" ]; do shift; done\nshift 2\nexec "$@"\n`,
    );
    await chmod(join(bin, 'ssh'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
    try {
      const c = createDockerClient({ DOCKER_HOST: 'ssh://ci@engine.example:2222' });
      await c.ping();
      expect((await c.inspectImage(IMAGE)).Id).toMatch(/^sha256:/);
    } finally {
      process.env.PATH = savedPath;
    }
    const calls = (await readFile(argsFile, 'utf8')).trim().split('\n');
    expect(calls).toEqual([
      '-o BatchMode=yes -l ci -p 2222 -- engine.example docker system dial-stdio',
      '-o BatchMode=yes -l ci -p 2222 -- engine.example docker system dial-stdio',
    ]);
  });
});
