import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Every ```ts block of the README runs, and each `// → text` comment in it is the line the block
// must print at that point: the README cannot drift from the code.
const root = new URL('..', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
const scratch = fileURLToPath(new URL('test/.readme/', root));

/** The lines a block promises to print, from its `// → …` comments, in order. */
function promisedOutput(block: string): string[] {
  return [...block.matchAll(/\/\/ → (.*)$/gm)].map((match) => (match[1] ?? '').trimEnd());
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the README', () => {
  it('has runnable TypeScript examples that promise output', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) expect(promisedOutput(block).length).toBeGreaterThan(0);
  });

  blocks.forEach((block, index) => {
    it(`runs example ${index + 1} and prints what it promises`, async () => {
      mkdirSync(scratch, { recursive: true });
      const file = `${scratch}example-${index + 1}.ts`;
      writeFileSync(file, block);
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(' '));
      });
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        log.mockRestore();
      }
      expect(printed).toEqual(promisedOutput(block));
    });
  });
});
