import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The nbformat schemas stay JSON files beside dist/ (package.json `files` ships `schemas/`),
 * required on first validation: not 80 KB of object literals compiled with every import.
 * Bundlers of core's sources (the runner's self-contained build) still inline them.
 */
const schemasBesideDist: EsbuildPlugin = {
  name: 'nbrun-schemas-beside-dist',
  setup(build) {
    build.onResolve({ filter: /\/schemas\/nbformat\/[^/]+\.json$/ }, (args) => ({
      path: `../schemas/nbformat/${args.path.split('/').pop()!}`,
      external: true,
    }));
  },
};

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
  // schemas.ts requires ajv on first use: ESM chunks get a `require`, CommonJS ones `import.meta.url`.
  shims: true,
  esbuildPlugins: [schemasBesideDist],
  banner: (ctx) => (ctx.format === 'esm' ? { js: "import { createRequire as __nbrunCreateRequire } from 'node:module';\nconst require = __nbrunCreateRequire(import.meta.url);" } : {}),
});
