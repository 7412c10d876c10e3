import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The sans-IO libraries: they must run unchanged in browsers, Deno, Bun and on a modem's JS engine. */
const PACKAGES = ['core', 'topics', 'sas'] as const;

/** Every Node built-in by its bare name (`buffer`, `fs/promises`, …); `node:` specifiers are refused whatever follows. */
const BUILTINS: ReadonlySet<string> = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/**
 * Module specifiers of static imports and re-exports (`from '…'`, `import type` too), side-effect imports
 * (`import '…'`), dynamic imports (`import('…')`) and `require('…')`.
 */
const SPECIFIERS = /\bfrom\s*(['"])([^'"]+)\1|\bimport\s*\(?\s*(['"])([^'"]+)\3|\brequire\s*\(\s*(['"])([^'"]+)\5/g;

/** A triple-slash directive pulling in Node's types (a comment to the stripper, so matched on the raw text). */
const NODE_TYPES_REFERENCE = /^\s*\/\/\/\s*<reference\s+types\s*=\s*(['"])node\1/m;

/** Every module `code` loads or names a type from. */
function specifiers(code: string): string[] {
  return Array.from(code.matchAll(SPECIFIERS), (match) => match[2] ?? match[4] ?? match[6] ?? '');
}

/** Whether `specifier` names a Node built-in, by either spelling. */
function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier);
}

/** Whether `specifier` is another module of the same package or a hubwire package: nothing else may be loaded. */
function isHubwire(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('@hubwire/');
}

/** Names the sans-IO packages must not use: Node's globals, the wall clock, ambient randomness, timers. */
const FORBIDDEN_NAMES: readonly [string, RegExp][] = [
  ['Buffer', /\bBuffer\b/],
  ['the NodeJS namespace', /\bNodeJS\./],
  ['process', /\bprocess\s*\./],
  ['Date.now', /\bDate\.now\b/],
  ['Math.random', /\bMath\.random\b/],
  ['a real timer', /\b(setTimeout|setInterval|setImmediate)\s*\(/],
];

/** `text` without comments, so a comment may name what the code must not use. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, '$1');
}

/** What `text` (the file `relative`) uses that a sans-IO package must not. */
function violations(text: string, relative: string): string[] {
  const code = withoutComments(text);
  return [
    ...(NODE_TYPES_REFERENCE.test(text) ? [`${relative} references Node's types`] : []),
    ...specifiers(code).flatMap((specifier) => {
      if (isNodeBuiltin(specifier)) return [`${relative} imports the Node built-in '${specifier}'`];
      return isHubwire(specifier) ? [] : [`${relative} imports '${specifier}', a package outside hubwire`];
    }),
    ...FORBIDDEN_NAMES.filter(([, pattern]) => pattern.test(code)).map(([what]) => `${relative} uses ${what}`),
  ];
}

/** Files under `dir` whose names end in `suffix`, tests excluded. */
function files(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, suffix);
    return path.endsWith(suffix) && !/\.test(-d)?\.ts$/.test(path) ? [path] : [];
  });
}

function relativeOf(path: string): string {
  return path.slice(root.length).replaceAll('\\', '/');
}

describe('the sans-IO packages', () => {
  for (const pkg of PACKAGES) {
    it(`keep ${pkg}/src free of Node built-ins, Node globals, the clock, timers and Math.random, without exception`, () => {
      const sources = files(join(root, 'packages', pkg, 'src'), '.ts');
      expect(sources.length).toBeGreaterThan(0);
      expect(sources.flatMap((file) => violations(readFileSync(file, 'utf8'), relativeOf(file)))).toEqual([]);
    });

    it(`publish ${pkg}'s declarations without Node types or built-ins (built by the test command first)`, () => {
      const dist = join(root, 'packages', pkg, 'dist');
      const index = join(dist, 'index.d.ts');
      expect(existsSync(index), `${relativeOf(index)} is missing: run \`pnpm build\` (pnpm test builds first)`).toBe(true);
      const built = statSync(index).mtimeMs;
      const stale = files(join(root, 'packages', pkg, 'src'), '.ts').filter((file) => statSync(file).mtimeMs > built);
      expect(stale.map(relativeOf), `dist is older than these sources: run \`pnpm build\``).toEqual([]);
      const declarations = files(dist, '.d.ts');
      expect(declarations.length).toBeGreaterThan(1);
      expect(declarations.flatMap((file) => violations(readFileSync(file, 'utf8'), relativeOf(file)))).toEqual([]);
    });
  }

  it('flags every form of loading a Node built-in, and each forbidden name, in a sample', () => {
    const sample = [
      "import { x } from 'node:fs';",
      "import { constants } from 'buffer';",
      "import { EventEmitter } from 'events';",
      "export { pipeline } from 'stream';",
      "import 'crypto';",
      "const u = require('util');",
      "const f = await import('fs/promises');",
      "const n = await import('net');",
      "import type { Socket } from 'tls';",
      'const b = Buffer.from("a");',
      'let s: NodeJS.Timeout;',
      'process.exit(1);',
      'const t = Date.now();',
      'const r = Math.random();',
      'setTimeout(() => {}, 1);',
      '/// <reference types="node" />',
    ];
    for (const line of sample) expect(violations(line, 'packages/topics/src/x.ts'), line).toHaveLength(1);
    for (const name of ['path', 'os', 'http', 'https', 'zlib', 'worker_threads', 'child_process']) {
      expect(violations(`import x from '${name}';`, 'x.ts')).toEqual([`x.ts imports the Node built-in '${name}'`]);
    }
    // A package outside hubwire, for its code or its types (a consumer would need it installed).
    expect(violations("import type { Packet } from 'mqtt-packet';", 'x.d.ts')).toEqual(["x.d.ts imports 'mqtt-packet', a package outside hubwire"]);
  });

  it('lets comments, relative modules and look-alike names through', () => {
    const allowed = [
      '// Date.now() is never read here',
      '/* Buffer, process.env, require("fs") */',
      "import { Slab } from './buffer.ts';",
      "import { parseEvents } from '../events.ts';",
      "import { hubCredentials } from '@hubwire/sas';",
      'const bufferedBytes = 0;',
      "const url = 'https://example.net'; // a string, not an import",
    ];
    for (const line of allowed) expect(violations(line, 'packages/topics/src/x.ts'), line).toEqual([]);
  });
});
