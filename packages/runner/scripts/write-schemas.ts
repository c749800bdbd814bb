/**
 * Writes the runner's published JSON Schemas (schemas/*.schema.json) from their source
 * in src/, so the files and the validators never drift, and the job spec's precompiled
 * validators (src/spec-validators.generated.ts). A test checks they are all up to date.
 * Run: node --import tsx packages/runner/scripts/write-schemas.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PUBLISHED_SCHEMAS } from '../src/schemas.js';
import { specValidatorsSource } from './spec-validators.js';

for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS)) {
  const path = fileURLToPath(new URL(`../schemas/${name}`, import.meta.url));
  writeFileSync(path, JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote ${path}`);
}

const validators = fileURLToPath(new URL('../src/spec-validators.generated.ts', import.meta.url));
writeFileSync(validators, specValidatorsSource());
console.log(`wrote ${validators}`);
