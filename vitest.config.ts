import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@nbrun\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@nbrun\/core\/(.*)$/, replacement: src('./packages/core/src/$1') },
      { find: /^@nbrun\/drivers$/, replacement: src('./packages/drivers/src/index.ts') },
      { find: /^@nbrun\/drivers\/(.*)$/, replacement: src('./packages/drivers/src/public/$1.ts') },
      { find: /^@nbrun\/runner$/, replacement: src('./packages/runner/src/index.ts') },
      { find: /^@nbrun\/runner\/contract$/, replacement: src('./packages/runner/src/contract.ts') },
      { find: /^@nbrun\/render$/, replacement: src('./packages/render/src/index.ts') },
      { find: /^@nbrun\/scheduler$/, replacement: src('./packages/scheduler/src/index.ts') },
      { find: /^@nbrun\/scheduler\/http$/, replacement: src('./packages/scheduler/src/http/index.ts') },
      { find: /^@nbrun\/scheduler\/client$/, replacement: src('./packages/scheduler/src/client/index.ts') },
      { find: /^nbrun$/, replacement: src('./packages/cli/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['./test/setup/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
