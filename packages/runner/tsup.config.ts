/**
 * Two builds:
 * - the library (`dist/index.*`, and `dist/contract.*`: the job spec, status types and schema, for drivers);
 * - the self-contained runner (`dist/nbrun-runner.mjs`): everything bundled into one
 *   file, plus `dist/zeromq/build/` with zeromq's prebuilt Linux addons and a manifest
 *   listing only them. zeromq finds its addon through cmake-ts's loader, which reads
 *   `<build dir>/manifest.json`; the plugin below points that lookup at `dist/zeromq/build`.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';
import { RUNNER_CHUNK_NAMES, RUNNER_DIST_ENTRY, RUNNER_DIST_FILE } from './src/dist-files.js';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const require = createRequire(import.meta.url);
// zeromq is core's dependency: resolve it from there.
const zeromqDir = dirname(require.resolve('zeromq/package.json', { paths: [dirname(require.resolve('@nbrun/core/package.json'))] }));

const LOAD_ADDON_ORIGINAL = 'path_1.default.resolve(__dirname, "..", "build")';
const LOAD_ADDON_PATCHED = 'path_1.default.resolve(__dirname, "zeromq", "build")';

/** Makes zeromq's `lib/load-addon.js` look for `zeromq/build` next to the bundle. */
const zeromqAddonPath: EsbuildPlugin = {
  name: 'nbrun-zeromq-addon-path',
  setup(build) {
    build.onLoad({ filter: /zeromq[\\/]lib[\\/]load-addon\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(LOAD_ADDON_ORIGINAL)) {
        throw new Error(`${args.path}: the addon lookup changed in this zeromq version; update packages/runner/tsup.config.ts`);
      }
      return { contents: source.replace(LOAD_ADDON_ORIGINAL, LOAD_ADDON_PATCHED), loader: 'js' };
    });
  },
};

/** Copies the Linux addons (x64, arm64; glibc, musl) and a manifest naming only them. */
async function copyZeromqAddons(outDir: string): Promise<void> {
  const target = join(outDir, 'zeromq', 'build');
  await rm(join(outDir, 'zeromq'), { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  const manifest = JSON.parse(await readFile(join(zeromqDir, 'build', 'manifest.json'), 'utf8')) as Record<string, string>;
  const kept: Record<string, string> = {};
  for (const [config, file] of Object.entries(manifest)) {
    const { os } = JSON.parse(config) as { os: string };
    if (os !== 'linux') continue;
    const rel = file.replace(/\\/g, '/');
    await mkdir(dirname(join(target, rel)), { recursive: true });
    await cp(join(zeromqDir, 'build', rel), join(target, rel));
    kept[config] = rel;
  }
  await writeFile(join(target, 'manifest.json'), JSON.stringify(kept));
  await cp(join(zeromqDir, 'LICENSE.txt'), join(outDir, 'zeromq', 'LICENSE.txt'));
}

const library: Options = {
  // The main entry, and the contract drivers import (job spec, status.json) without the runner's implementation.
  entry: ['src/index.ts', 'src/contract.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  // Not cleaned: both builds write to dist/ at the same time; each overwrites its own files.
  clean: false,
  target: 'node20',
};

// NBRUN_RUNNER_OUT_DIR puts the self-contained runner elsewhere (tests build into a temp dir).
const runnerOutDir = process.env.NBRUN_RUNNER_OUT_DIR ?? 'dist';

// Chunks of an earlier build would be shipped with every job: gone before this one writes its own.
for (const name of existsSync(runnerOutDir) ? readdirSync(runnerOutDir) : []) {
  if (RUNNER_DIST_FILE.test(name) && name !== RUNNER_DIST_ENTRY) rmSync(join(runnerOutDir, name));
}

const runner: Options = {
  entry: { 'nbrun-runner': 'src/bin.ts' },
  outDir: runnerOutDir,
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  target: 'node20',
  bundle: true,
  noExternal: [/.*/],
  // Optional native speed-ups of ws, loaded in try/catch: absent is fine.
  external: ['bufferutil', 'utf-8-validate'],
  // Split at the dynamic imports: the S3 client, the remote gateway's HTTP client (undici) and
  // the like are files of their own (`nbrun-runner-<name>-<hash>.mjs` beside the entry), loaded
  // only by the jobs that use them; starting the runner parses 40 % of the code it did as one file.
  splitting: true,
  sourcemap: false,
  clean: false,
  dts: false,
  esbuildPlugins: [zeromqAddonPath],
  // Bundle core from source, so the runner builds without building core first.
  esbuildOptions(options) {
    // `@nbrun/core/<subpath>` → core's src/<subpath> (a folder's index.ts, or <subpath>.ts).
    options.alias = { ...options.alias, '@nbrun/core': fileURLToPath(new URL('../core/src', import.meta.url)) };
    // The names drivers recognise (src/dist-files.ts) when they ship the build with a job.
    options.chunkNames = RUNNER_CHUNK_NAMES;
  },
  // Bundled CommonJS code calls require() and reads __dirname: give it both in ESM.
  banner: {
    js: [
      "import { createRequire as __nbrunCreateRequire } from 'node:module';",
      "import { fileURLToPath as __nbrunFileURLToPath } from 'node:url';",
      "import { dirname as __nbrunDirname } from 'node:path';",
      'const require = __nbrunCreateRequire(import.meta.url);',
      'const __filename = __nbrunFileURLToPath(import.meta.url);',
      'const __dirname = __nbrunDirname(__filename);',
    ].join('\n'),
  },
  async onSuccess() {
    await copyZeromqAddons(runnerOutDir);
    await chmod(join(runnerOutDir, 'nbrun-runner.mjs'), 0o755);
  },
};

// NBRUN_RUNNER_BUNDLE_ONLY=1 builds only the self-contained runner (tests, image scripts).
export default defineConfig(process.env.NBRUN_RUNNER_BUNDLE_ONLY ? [runner] : [library, runner]);
