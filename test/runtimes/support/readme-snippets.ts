/**
 * The root README's library examples, as the runtime and tarball tests run them: every ```ts
 * block under the `### @hubwire/…` headings, with the lines its `// → …` comments promise
 * (the same reading as test/readme.test.ts).
 */
import { readFileSync } from 'node:fs';

/** One README example: where it stands, its code, and what it must print, line by line. */
export interface ReadmeSnippet {
  /** The package heading it stands under, e.g. `@hubwire/sas`. */
  readonly section: string;
  readonly code: string;
  readonly promised: readonly string[];
}

/** The three libraries whose README sections must each carry at least one example. */
export const LIBRARY_SECTIONS = ['@hubwire/topics', '@hubwire/sas', '@hubwire/core'] as const;

/** Reads the README's examples under the library headings, in order. */
export function readmeSnippets(readmeUrl = new URL('../../../README.md', import.meta.url)): ReadmeSnippet[] {
  const readme = readFileSync(readmeUrl, 'utf8');
  const snippets: ReadmeSnippet[] = [];
  let section: string | undefined;
  for (const part of readme.split(/^(#{1,6} .*)$/m)) {
    const heading = /^#{1,6} (.*)$/.exec(part);
    if (heading !== null) {
      section = (LIBRARY_SECTIONS as readonly string[]).includes(heading[1] ?? '') ? heading[1] : undefined;
      continue;
    }
    if (section === undefined) continue;
    for (const match of part.matchAll(/```ts\n([\s\S]*?)```/g)) {
      const code = match[1] ?? '';
      snippets.push({ section, code, promised: [...code.matchAll(/\/\/ → (.*)$/gm)].map((line) => (line[1] ?? '').trimEnd()) });
    }
  }
  return snippets;
}

