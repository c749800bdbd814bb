import { defineConfig } from 'tsup';

export default defineConfig([
  // The library (`main` for tools that embed the command): ESM and CommonJS, with types.
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  // The command's entry, run by bin/nbrun.js from an installed package.
  {
    entry: ['src/bin.ts'],
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node20',
  },
]);
