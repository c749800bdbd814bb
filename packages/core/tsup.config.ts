import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per public subpath (package.json "exports"); keep public-api.txt in step.
  entry: {
    index: 'src/index.ts',
    notebook: 'src/notebook/index.ts',
    parameters: 'src/parameters/index.ts',
    kernel: 'src/kernel.ts',
    embedded: 'src/embedded.ts',
    remote: 'src/remote.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  // Shared chunks in CJS too, so `@nbrun/core` and `@nbrun/core/testing` share one copy of each class (instanceof works across).
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
