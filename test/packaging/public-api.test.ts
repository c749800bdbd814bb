/** Each package's public API is the checked-in `packages/<p>/public-api.txt`: a change to it is deliberate. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { API_PACKAGES, publicApi } from './public-api.js';

describe('public API', () => {
  const actual = publicApi(REPO_ROOT);
  for (const pkg of API_PACKAGES) {
    it(`packages/${pkg}/public-api.txt lists exactly what the package exports`, () => {
      const file = join(REPO_ROOT, 'packages', pkg, 'public-api.txt');
      const text = actual.get(pkg) ?? '';
      if (process.env.NBRUN_UPDATE_API === '1') writeFileSync(file, text);
      const expected = existsSync(file) ? readFileSync(file, 'utf8') : '';
      expect(text, `the public API of packages/${pkg} changed: if deliberate, run NBRUN_UPDATE_API=1 pnpm vitest run test/packaging/public-api.test.ts`).toBe(expected);
    });
  }

  it("@nbrun/core's main entry stays small", () => {
    const main = (actual.get('core') ?? '').split('\n').filter((l) => l.startsWith('. '));
    expect(main.length).toBeLessThanOrEqual(80);
  });
});
