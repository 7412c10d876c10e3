/**
 * Dependencies point one way (docs/design.md "Inside core: the layers"): inside each library no file imports,
 * directly or through others, a file that imports it back. A walk over the relative imports of
 * every source file (type-only imports included: a type circle is a design circle too) finds
 * every cycle and names its files. In core the folders are layers, and each imports only from
 * those below it: device/ and provisioning/ from session/, session/ from wire/, every layer
 * from shared/, which imports from none.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every non-test `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** The files `text` (at `file`) imports or re-exports by relative path, comments ignored. */
function relativeImports(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const found: string[] = [];
  for (const match of code.matchAll(/(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    found.push(resolve(dirname(file), (match[1] ?? match[2]) as string));
  }
  return found;
}

/** Every cycle of the graph, each as the files along it (first file repeated at the end). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

function importGraph(pkg: string): Map<string, string[]> {
  const files = sources(join(root, 'packages', pkg, 'src'));
  return new Map(files.map((file) => [file, relativeImports(file, readFileSync(file, 'utf8'))]));
}

describe('imports', () => {
  for (const pkg of ['core', 'topics', 'sas']) {
    it(`form no circle in ${pkg}`, () => {
      const graph = importGraph(pkg);
      expect(graph.size).toBeGreaterThan(5);
      // Every import names a file that exists, so the walk sees the real graph.
      for (const [file, imports] of graph) for (const target of imports) expect(graph.has(target), `${file} → ${target}`).toBe(true);
      const named = cycles(graph).map((cycle) => cycle.map((file) => relative(root, file)).join(' → '));
      expect(named).toEqual([]);
    });
  }

  it('keep core\'s layers: each folder imports only from the folders below it and shared/', () => {
    const allowed: Record<string, readonly string[]> = {
      wire: ['wire', 'shared'],
      shared: ['shared'],
      session: ['session', 'wire', 'shared'],
      device: ['device', 'session', 'wire', 'shared'],
      provisioning: ['provisioning', 'session', 'wire', 'shared'],
    };
    const src = join(root, 'packages', 'core', 'src');
    const layerOf = (file: string): string => relative(src, file).split('/')[0] as string;
    const wrong: string[] = [];
    for (const [file, imports] of importGraph('core')) {
      const layer = layerOf(file);
      if (layer === 'index.ts') continue; // the public surface re-exports every layer
      expect(Object.keys(allowed)).toContain(layer);
      for (const target of imports) {
        if (!allowed[layer]!.includes(layerOf(target))) wrong.push(`${relative(src, file)} → ${relative(src, target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('finds a circle when there is one, type imports included', () => {
    const a = '/x/a.ts';
    const b = '/x/b.ts';
    const c = '/x/c.ts';
    expect(relativeImports(a, "import type { T } from './b.ts';\nexport { u } from '../x/c.ts';")).toEqual([b, c]);
    expect(cycles(new Map([[a, [b]], [b, [c]], [c, [a]]]))).toEqual([[a, b, c, a]]);
    expect(cycles(new Map([[a, [b, c]], [b, [c]], [c, []]]))).toEqual([]);
  });
});
