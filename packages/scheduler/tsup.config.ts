import { defineConfig } from 'tsup';
import { buildWebAssets } from './src/web/build.js';

export default defineConfig({
  entry: { index: 'src/index.ts', 'http/index': 'src/http/index.ts', 'client/index': 'src/client/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // better-sqlite3 and pg are loaded only when a store of their kind is opened.
  external: ['better-sqlite3', 'pg'],
  // import.meta.url in the CommonJS build too (the web page finds its assets beside the bundle).
  shims: true,
  // The web page of `nbrun serve`: one JS and one CSS file in dist/web, served by registerWebUi.
  onSuccess: async () => {
    await buildWebAssets('dist/web');
  },
});
