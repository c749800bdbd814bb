/**
 * Writes the precompiled nbformat notebook validator (src/notebook/validate-v4.5.generated.cjs).
 * Run: pnpm --filter @nbrun/core validators
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { notebookValidatorSource } from './notebook-validator.js';

const path = fileURLToPath(new URL('../src/notebook/validate-v4.5.generated.cjs', import.meta.url));
writeFileSync(path, notebookValidatorSource());
console.log(`wrote ${path}`);
