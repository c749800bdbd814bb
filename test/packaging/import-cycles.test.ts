/**
 * No import cycles between the source files of a package, type-only imports included (issue 13
 * §5): a cycle ties files that should layer, and a type-only one becomes a runtime one with the
 * first value import. Static imports and re-exports count; `await import()` (lazy loading) does not.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const PACKAGES = readdirSync(join(REPO_ROOT, 'packages')).filter((p) => existsSync(join(REPO_ROOT, 'packages', p, 'src')));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** The package files `file` imports statically (`import`, `import type`, `export … from`). */
function staticImports(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  for (const st of sf.statements) {
    const spec = (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
    if (!spec?.startsWith('.')) continue;
    const base = resolve(dirname(file), spec);
    const target = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
    if (target) found.push(target);
  }
  return found;
}

/** The strongly connected groups of more than one file (Tarjan), each as a readable cycle. */
function importCycles(files: string[], root: string): string[] {
  const graph = new Map(files.map((f) => [f, staticImports(f)]));
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const f of graph.keys()) if (!index.has(f)) visit(f);
  return groups.map((g) => g.map((f) => relative(root, f)).sort().join(' ↔ '));
}

describe('import cycles', () => {
  it.each(PACKAGES)('packages/%s/src has none', (pkg) => {
    const src = join(REPO_ROOT, 'packages', pkg, 'src');
    expect(importCycles(sourceFiles(src), src)).toEqual([]);
  });

  it('finds a type-only cycle and a re-export cycle, not a lazy import() (the check itself)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nbrun-cycles-'));
    try {
      writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.js';\nexport interface A { b: B }\n");
      writeFileSync(join(dir, 'b.ts'), "import type { A } from './a.js';\nexport interface B { a: A }\n");
      writeFileSync(join(dir, 'c.ts'), "export { D } from './d/index.js';\nexport const C = 1;\n");
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'd', 'index.ts'), "import { C } from '../c.js';\nexport const D = C;\n");
      writeFileSync(join(dir, 'e.ts'), "export const load = () => import('./f.js');\n");
      writeFileSync(join(dir, 'f.ts'), "import { load } from './e.js';\nexport const f = load;\n");
      expect(importCycles(sourceFiles(dir), dir)).toEqual(['a.ts ↔ b.ts', 'c.ts ↔ d/index.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
