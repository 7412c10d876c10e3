/**
 * The project's own docs stay citable: every `docs/protocol.md §N` (with any quoted phrase, step or
 * table it names) and every `docs/design.md "Heading"` in the sources and READMEs resolves; nothing
 * cites the private reference texts instead; relative links in the markdown files, and the
 * repository paths the docs name, point at something that exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  anchors,
  citations,
  type CitableDocs,
  headings,
  privateReferences,
  protocolSections,
  relativeLinks,
  repositoryPaths,
} from './support/citations.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);
const SUPPORT_FILE = fileURLToPath(new URL('./support/citations.ts', import.meta.url));

/** Folders that hold no project text: installs, builds, run output, scratch. */
const SKIPPED = new Set(['node_modules', 'dist', '.git', 'results', '.readme', 'coverage']);
/** Files whose comments, strings or prose may cite the docs. */
const SCANNED = /\.(?:ts|mts|mjs|js|md)$/;

function projectFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return projectFiles(path);
    return SCANNED.test(name) && path !== THIS_FILE && path !== SUPPORT_FILE ? [path] : [];
  });
}

const protocolText = readFileSync(join(root, 'docs/protocol.md'), 'utf8');
const designText = readFileSync(join(root, 'docs/design.md'), 'utf8');
const docs: CitableDocs = { sections: protocolSections(protocolText), designHeadings: headings(designText) };
const files = projectFiles(root).map((path) => ({ path, name: relative(root, path), text: readFileSync(path, 'utf8') }));
const markdown = files.filter((file) => file.name.endsWith('.md'));

describe('docs/protocol.md', () => {
  it('has the sections §1–§16 the code cites, in order', () => {
    expect([...docs.sections.keys()].filter((id) => !id.includes('.'))).toEqual(
      Array.from({ length: 16 }, (_, i) => String(i + 1)),
    );
  });
});

describe('citations of the docs', () => {
  const all = files.flatMap((file) => citations(file.text, docs).map((citation) => ({ ...citation, file: file.name })));

  it('are found across the sources and READMEs', () => {
    // Sources cite the docs by the hundred; a parser that found few would pass vacuously.
    expect(all.filter((citation) => citation.cited.startsWith('docs/protocol.md §')).length).toBeGreaterThan(250);
    expect(new Set(all.map((citation) => citation.file)).size).toBeGreaterThan(100);
    expect(all.some((citation) => citation.cited.startsWith('docs/design.md "'))).toBe(true);
  });

  it('name sections, phrases, steps and headings the docs have', () => {
    const broken = all.filter((citation) => citation.problem !== undefined);
    expect(broken.map((citation) => `${citation.file}:${citation.line}: ${citation.problem}`)).toEqual([]);
  });

  it('never point at the private reference texts', () => {
    const found = files.flatMap((file) => privateReferences(file.text).map((line) => `${file.name}:${line}`));
    expect(found).toEqual([]);
  });
});

describe('links in the markdown files', () => {
  it('resolve to files, folders and headings inside the repository', () => {
    const broken: string[] = [];
    for (const file of markdown) {
      for (const { line, target } of relativeLinks(file.text)) {
        const [path = '', anchor] = target.split('#');
        const destination = path === '' ? file.path : resolve(dirname(file.path), decodeURIComponent(path));
        if (!destination.startsWith(root) || !existsSync(destination)) {
          broken.push(`${file.name}:${line}: ${target} does not exist`);
        } else if (anchor !== undefined && anchor !== '' && destination.endsWith('.md')) {
          if (!anchors(readFileSync(destination, 'utf8')).has(anchor)) broken.push(`${file.name}:${line}: no heading #${anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('include the docs from the root README', () => {
    const readme = markdown.find((file) => file.name === 'README.md');
    const targets = relativeLinks(readme?.text ?? '').map((link) => link.target);
    expect(targets).toEqual(expect.arrayContaining(['docs/protocol.md', 'docs/design.md']));
  });

  it('name only repository paths that exist, in the docs', () => {
    const missing = markdown
      .filter((file) => file.name.startsWith('docs/'))
      .flatMap((file) => repositoryPaths(file.text).map((entry) => ({ ...entry, file: file.name })))
      .filter((entry) => !existsSync(join(root, entry.path)))
      .map((entry) => `${entry.file}:${entry.line}: ${entry.path}`);
    expect(missing).toEqual([]);
  });
});

describe('the citation checker', () => {
  const check = (text: string): (string | undefined)[] => citations(text, docs).map((citation) => citation.problem);

  it('accepts sections, ranges, phrases, steps and tables that exist', () => {
    expect(check('(docs/protocol.md §2 "Keep-alive", §5–§11, §13 step 4, §2 table)')).toEqual(Array(5).fill(undefined));
    expect(check('docs/design.md "Rules the engine keeps", "Data flow"')).toEqual([undefined, undefined]);
  });

  it('reports what does not exist', () => {
    expect(check('docs/protocol.md §17')).toEqual(['docs/protocol.md has no §17']);
    expect(check('docs/protocol.md §4.9')).toEqual(['docs/protocol.md has no §4.9']);
    expect(check('docs/protocol.md §2 "Carrier pigeons"')).toEqual(['docs/protocol.md §2 does not say "Carrier pigeons"']);
    expect(check('docs/protocol.md §13 step 9')).toEqual(['docs/protocol.md §13 has no step 9']);
    expect(check('docs/protocol.md §15 table, §16 table')).toEqual([undefined, 'docs/protocol.md §16 has no table']);
    expect(check('docs/design.md "The engine room"')).toEqual(['docs/design.md has no heading "The engine room"']);
    expect(check('docs/design.md "Rules the engine\n keeps"')[0]).toMatch(/must close on the same line/);
  });

  it('flags citations of the private reference texts', () => {
    const name = ['STYLE', 'md'].join('.');
    expect(privateReferences(`ok\n// see ${name} §1\n`)).toEqual([2]);
    expect(privateReferences('import { Fifo } from "../shared/fifo.ts";')).toEqual([]);
  });

  it('computes GitHub anchors for the contents links', () => {
    expect(anchors('## §1 Transport\n### `wire/` — bytes and packets\n## §1 Transport')).toEqual(
      new Set(['1-transport', 'wire--bytes-and-packets', '1-transport-1']),
    );
  });
});
