import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url (KaTeX's stylesheet and fonts, highlight.js languages) in the CommonJS build too.
  shims: true,
});
