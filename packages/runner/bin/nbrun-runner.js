#!/usr/bin/env node
/**
 * The `nbrun-runner` command, committed so it works before any build: in a source checkout
 * (src/ next to this folder and tsx installed) it runs the TypeScript source through tsx;
 * otherwise it runs the self-contained build, dist/nbrun-runner.mjs.
 */
import { existsSync } from 'node:fs';

const source = new URL('../src/bin.ts', import.meta.url);
const tsconfig = new URL('../../../tsconfig.json', import.meta.url);
let tsx;
if (existsSync(source) && existsSync(tsconfig)) {
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    tsx = undefined;
  }
}
if (tsx) {
  const { register } = await import(tsx);
  // The workspace's tsconfig maps @nbrun/* to their sources, whatever the current directory.
  register({ tsconfig: tsconfig.pathname });
  await import(source.href);
} else {
  await import(new URL('../dist/nbrun-runner.mjs', import.meta.url).href);
}
