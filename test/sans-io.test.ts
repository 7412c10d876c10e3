import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Names the sans-IO packages must not use: Node modules, the wall clock, ambient randomness, timers. */
const FORBIDDEN: readonly [string, RegExp][] = [
  ['a node:* import', /from\s+['"]node:|require\(\s*['"]node:|import\(\s*['"]node:/],
  ['Buffer', /\bBuffer\b/],
  ['process', /\bprocess\s*\./],
  ['Date.now', /\bDate\.now\b/],
  ['Math.random', /\bMath\.random\b/],
  ['a real timer', /\b(setTimeout|setInterval|setImmediate)\s*\(/],
];

/** Files the rule does not cover: tests, and the one adapter that hands bytes to mqtt-packet. */
const EXEMPT = /\.test\.ts$|\.test-d\.ts$/;
const BUFFER_ADAPTER = 'packages/core/src/wire/mqtt-packet-adapter.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !EXEMPT.test(path) ? [path] : [];
  });
}

function violations(text: string, relative: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  return FORBIDDEN.filter(([what, pattern]) => {
    if (what === 'Buffer' && relative === BUFFER_ADAPTER) return false;
    return pattern.test(code);
  }).map(([what]) => `${relative} uses ${what}`);
}

describe('the sans-IO packages', () => {
  for (const pkg of ['core', 'topics', 'sas']) {
    it(`keep ${pkg}/src free of Node APIs, the clock, timers and Math.random`, () => {
      const files = sourceFiles(join(root, 'packages', pkg, 'src'));
      expect(files.length).toBeGreaterThan(0);
      const found = files.flatMap((file) =>
        violations(readFileSync(file, 'utf8'), file.slice(root.length).replaceAll('\\', '/')),
      );
      expect(found).toEqual([]);
    });
  }

  it('flags each forbidden name in a sample', () => {
    const sample = [
      "import { x } from 'node:fs';",
      'const b = Buffer.from("a");',
      'process.exit(1);',
      'const t = Date.now();',
      'const r = Math.random();',
      'setTimeout(() => {}, 1);',
    ];
    for (const line of sample) expect(violations(line, 'packages/topics/src/x.ts')).toHaveLength(1);
    expect(violations('// Date.now() is never read here', 'packages/topics/src/x.ts')).toEqual([]);
  });
});
