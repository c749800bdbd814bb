/**
 * Each published package's public API as text: every export of every entry point of its
 * package.json `exports`, read from the TypeScript sources with the compiler, one line each
 * (`<subpath> <name>` for values, `<subpath> type <name>` for types only).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Packages whose API is pinned in `packages/<dir>/public-api.txt`. */
export const API_PACKAGES = ['core', 'drivers', 'runner', 'render', 'cli'] as const;

interface Entry {
  pkg: string;
  subpath: string;
  source: string;
}

/** The source file of each entry point, from the root tsconfig's `paths` (what tsc and tsx use). */
export function entryPoints(root: string): Entry[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config as { compilerOptions: { paths: Record<string, string[]> } };
  const paths = config.compilerOptions.paths;
  const entries: Entry[] = [];
  for (const dir of API_PACKAGES) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
    for (const subpath of Object.keys(manifest.exports)) {
      if (subpath === './package.json') continue;
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
      const mapped = mappedPath(paths, specifier) ?? fromDist(root, dir, manifest.exports[subpath]);
      if (!mapped) throw new Error(`no source for '${specifier}': add a tsconfig.json "paths" entry (packages/${dir}/package.json exports '${subpath}')`);
      entries.push({ pkg: dir, subpath, source: join(root, mapped) });
    }
  }
  return entries;
}

/**
 * What `paths` maps a specifier to, as tsc resolves it: the exact key, else the `*` pattern
 * with the longest prefix (`@nbrun/drivers/*` → `src/public/*.ts`: an internal `src/job.ts`
 * must not stand in for the `./job` entry).
 */
function mappedPath(paths: Record<string, string[]>, specifier: string): string | undefined {
  if (paths[specifier]) return paths[specifier][0];
  let best: { prefix: string; target: string; rest: string } | undefined;
  for (const [key, targets] of Object.entries(paths)) {
    const star = key.indexOf('*');
    if (star < 0 || !targets[0]) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (!specifier.startsWith(prefix) || !specifier.endsWith(suffix) || specifier.length < prefix.length + suffix.length) continue;
    if (!best || prefix.length > best.prefix.length) best = { prefix, target: targets[0], rest: specifier.slice(prefix.length, specifier.length - suffix.length) };
  }
  if (!best) return undefined;
  return best.target.replace('*', best.rest);
}

/** `./dist/x/y.js` → `packages/<dir>/src/x/y.ts` (or `src/x/y/index.ts`, or `src/x/index.ts` for `dist/x/index.js`). */
function fromDist(root: string, dir: string, target: unknown): string | undefined {
  const t = target as { import?: string | { default?: string } } | string | undefined;
  const file = typeof t === 'string' ? t : typeof t?.import === 'string' ? t.import : t?.import?.default;
  const m = file ? /^\.\/dist\/(.+)\.js$/.exec(file) : null;
  if (!m) return undefined;
  for (const candidate of [`src/${m[1]}.ts`, `src/${m[1]}/index.ts`, `src/public/${m[1]}.ts`]) {
    const rel = join('packages', dir, candidate);
    if (existsSync(join(root, rel))) return rel;
  }
  return undefined;
}

/** `public-api.txt`'s text for every package, keyed by package folder. */
export function publicApi(root: string): Map<string, string> {
  const entries = entryPoints(root);
  const program = ts.createProgram(entries.map((e) => e.source), {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    noEmit: true,
    resolveJsonModule: true,
    allowJs: false,
    baseUrl: root,
    paths: (ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config as { compilerOptions: { paths: ts.MapLike<string[]> } }).compilerOptions.paths,
  });
  const checker = program.getTypeChecker();
  const byPkg = new Map<string, string[]>();
  for (const entry of entries) {
    const file = program.getSourceFile(entry.source);
    if (!file) throw new Error(`cannot read ${entry.source}`);
    const moduleSymbol = checker.getSymbolAtLocation(file);
    const lines = byPkg.get(entry.pkg) ?? [];
    for (const symbol of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const isValue = (target.flags & ts.SymbolFlags.Value) !== 0;
      lines.push(`${entry.subpath} ${isValue ? '' : 'type '}${symbol.name}`);
    }
    byPkg.set(entry.pkg, lines);
  }
  const out = new Map<string, string>();
  for (const [pkg, lines] of byPkg) {
    const sorted = [...lines].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    out.set(pkg, `# The public API of this package: every export of every entry point, checked by\n# test/packaging/public-api.test.ts. Change it deliberately: NBRUN_UPDATE_API=1 pnpm vitest run test/packaging/public-api.test.ts\n${sorted.join('\n')}\n`);
  }
  return out;
}
