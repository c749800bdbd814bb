/**
 * Builds the web page's assets: the Preact app (`client/main.ts`) and its stylesheet bundled
 * by esbuild into `app.js` and `app.css`. Run by the package's build (tsup's onSuccess) and by
 * the browser tests; never at run time.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const CLIENT = fileURLToPath(new URL('./client/', import.meta.url));

/** Bundles the page into `outDir/app.js` and `outDir/app.css`. */
export async function buildWebAssets(outDir: string, options: { minify?: boolean } = {}): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const minify = options.minify ?? true;
  await build({
    entryPoints: { app: join(CLIENT, 'main.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    outdir: outDir,
    minify,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  await build({
    entryPoints: { app: join(CLIENT, 'styles.css') },
    bundle: true,
    outdir: outDir,
    minify,
    logLevel: 'warning',
  });
}
