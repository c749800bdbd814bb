import { defineConfig } from 'tsup';

export default defineConfig({
  // The main entry and one per subpath export (package.json "exports"); drivers load lazily (split chunks).
  entry: {
    index: 'src/index.ts',
    local: 'src/public/local.ts',
    docker: 'src/public/docker.ts',
    kubernetes: 'src/public/kubernetes.ts',
    kubeflow: 'src/public/kubeflow.ts',
    ffdl: 'src/public/ffdl.ts',
    store: 'src/public/store.ts',
    job: 'src/public/job.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url (runner lookup) in the CommonJS build too.
  shims: true,
  // TypeBox bundled (tree-shaken, in one chunk): its ~270 small ES modules were most of import('@nbrun/drivers').
  // Its kinds are global symbols, so schemas stay interchangeable with a consumer's own TypeBox.
  noExternal: ['@sinclair/typebox'],
});
