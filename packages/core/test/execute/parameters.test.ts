/**
 * Parameters in a run, where papermill's behaviour is the contract (issue 11): values a
 * kernel's language cannot hold are refused before the kernel starts (item 7); a kernel
 * whose language_info.name is empty gets parameters in its kernelspec's language (item 8);
 * `python` is the native Python kernel on both gateways (item 10).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ParameterError, createEmbeddedGateway, runNotebook, type Gateway, type Notebook, type StartKernelOptions,
} from '@nbrun/core';
import { gatewayCases } from '../../../../test/helpers/gateways.js';

const fixtures = fileURLToPath(new URL('../fixtures', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'nbrun-params-run-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function notebook(kernelspec: { name: string; language: string } | undefined, defaults: string, body: string): Notebook {
  const cell = (id: string, source: string, tags?: string[]) => ({
    cell_type: 'code' as const, id, source, outputs: [], execution_count: null, metadata: tags ? { tags } : {},
  });
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: kernelspec ? { kernelspec: { display_name: kernelspec.name, ...kernelspec } } : {},
    cells: [cell('params', defaults, ['parameters']), cell('body', body)],
  };
}

/** A real embedded gateway that records every kernel start asked of it. */
function recordingGateway(dataDirs: string[] = []): Gateway & { starts: string[] } {
  const inner = createEmbeddedGateway({ dataDirs, python: '/usr/bin/python3' });
  const starts: string[] = [];
  return {
    kind: 'embedded',
    starts,
    listKernelSpecs: (signal?: AbortSignal) => inner.listKernelSpecs(signal),
    startKernel: (options: StartKernelOptions) => {
      starts.push(options.kernelName);
      return inner.startKernel(options);
    },
    dispose: () => inner.dispose(),
  };
}

function printed(nb: Notebook, index: number): string {
  const outputs = (nb.cells[index] as { outputs: Array<{ text?: string | string[] }> }).outputs;
  return outputs.map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? ''))).join('');
}

describe('a parameter the kernel language cannot hold is refused before the kernel starts (item 7)', () => {
  // A kernelspec the registry does not know by name: its language comes from kernel.json, before any start.
  const dataDir = join(scratch, 'jupyter');
  mkdirSync(join(dataDir, 'kernels', 'my-r'), { recursive: true });
  writeFileSync(
    join(dataDir, 'kernels', 'my-r', 'kernel.json'),
    JSON.stringify({ argv: ['R', '--slave', '-e', 'IRkernel::main()', '--args', '{connection_file}'], display_name: 'My R', language: 'R' }),
  );

  it.each([
    ['an R integer beyond 2^53, the kernel named in the notebook', { name: 'ir', language: 'R' }, undefined, { n: 2n ** 53n + 1n }, /integer 9007199254740993 is beyond 2\^53/],
    ['an R integer beyond 2^53, the kernel given by -k', undefined, 'ir', { n: 12345678901234567890n }, /beyond 2\^53/],
    ['lists nested deeper than R parses, a kernelspec known only by its kernel.json', undefined, 'my-r', { deep: JSON.parse('['.repeat(60) + ']'.repeat(60)) as unknown }, /R's parser reads/],
    ['an R string holding NUL', { name: 'ir', language: 'R' }, undefined, { s: 'a\0b' }, /NUL/],
  ])('%s', async (_label, kernelspec, kernelName, parameters, message) => {
    const gateway = recordingGateway([dataDir]);
    try {
      const t0 = performance.now();
      const err = await runNotebook(notebook(kernelspec, 'n <- 1\n', 'cat(n)\n'), { parameters, gateway, ...(kernelName ? { kernelName } : {}) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ParameterError);
      expect((err as Error).message).toMatch(message);
      expect(gateway.starts).toEqual([]);
      // No kernel start to wait for (IRkernel takes seconds): the refusal is immediate.
      expect(performance.now() - t0).toBeLessThan(5_000);
    } finally {
      await gateway.dispose();
    }
  });

  it('still runs the same parameters on a kernel that holds them (Python)', async () => {
    const gateway = recordingGateway();
    try {
      const result = await runNotebook(notebook({ name: 'python3', language: 'python' }, 'n = 1\n', 'print(n)\n'), { parameters: { n: 2n ** 53n + 1n }, gateway });
      expect(result.status).toBe('completed');
      expect(printed(result.notebook, 2)).toBe('9007199254740993\n');
      expect(gateway.starts).toEqual(['python3']);
    } finally {
      await gateway.dispose();
    }
  });
});

describe("an empty language_info.name falls back to the kernelspec's language (item 8)", () => {
  it('injects in the kernelspec language and runs', async () => {
    const gateway = recordingGateway([fixtures]);
    try {
      // The notebook says nothing of the kernel: the language is the kernelspec's, before and after the start.
      const result = await runNotebook(notebook(undefined, 'n = 1\n', 'print(n * 2)\n'), {
        parameters: { n: 21 }, gateway, kernelName: 'empty-language-info',
      });
      expect(result.error?.message).toBeUndefined();
      expect(result.status).toBe('completed');
      expect(result.notebook.cells[1]!.source).toBe('# Parameters\nn = 21\n');
      expect(printed(result.notebook, 2)).toBe('42\n');
      expect((result.notebook.metadata.nbrun as { kernel: { language: string } }).kernel.language).toBe('python');
    } finally {
      await gateway.dispose();
    }
  });
});

describe.each(gatewayCases())('kernel name `python` is the native Python kernel, as in jupyter_client (item 10): $name gateway', ({ options }) => {
  it.each([
    ['the notebook names it', { name: 'python', language: 'python' }, undefined],
    ['-k python', undefined, 'python'],
  ])('%s', async (_label, kernelspec, kernelName) => {
    const result = await runNotebook(notebook(kernelspec, 'x = 1\n', 'import sys\nprint(x, sys.version_info[0])\n'), {
      ...options, parameters: { x: 2 }, ...(kernelName ? { kernelName } : {}),
    });
    expect(result.error?.message).toBeUndefined();
    expect(result.status).toBe('completed');
    expect(printed(result.notebook, 2)).toBe('2 3\n');
  });
});
