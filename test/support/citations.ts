/**
 * The checker behind test/doc-citations.test.ts: reads docs/protocol.md and docs/design.md into
 * sections and headings, finds every citation of them in a text, and says which ones name
 * something the docs do not have. Pure functions over strings, so the test can also feed it
 * citations that must fail.
 */

/** One `§N` (or `§N.M`) of docs/protocol.md: its whole text, subsections included. */
export interface ProtocolSection {
  readonly id: string;
  readonly text: string;
}

/** What the two documents offer to cite. */
export interface CitableDocs {
  /** Sections of docs/protocol.md by id (`'2'`, `'13'`, `'4.1'`). */
  readonly sections: ReadonlyMap<string, ProtocolSection>;
  /** Headings of docs/design.md, normalised (see {@link normalise}). */
  readonly designHeadings: ReadonlySet<string>;
}

/** One citation found in a text, and what is wrong with it (nothing when `problem` is absent). */
export interface Citation {
  readonly line: number;
  readonly cited: string;
  readonly problem?: string;
}

/** Lower case, markdown emphasis and code marks dropped, runs of white space as one space. */
export function normalise(text: string): string {
  return text.replace(/[`*_]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Splits docs/protocol.md at its `## §N` and `### §N.M` headings. */
export function protocolSections(markdown: string): Map<string, ProtocolSection> {
  const lines = markdown.split('\n');
  const starts: { id: string; level: number; index: number }[] = [];
  lines.forEach((line, index) => {
    const heading = /^(#{2,3}) §(\d+(?:\.\d+)?)\s/.exec(line);
    if (heading) starts.push({ id: heading[2] ?? '', level: (heading[1] ?? '').length, index });
  });
  const sections = new Map<string, ProtocolSection>();
  for (const start of starts) {
    // A section runs to the next heading of its level or above.
    let end = lines.length;
    for (let i = start.index + 1; i < lines.length; i++) {
      const level = /^(#+)\s/.exec(lines[i] ?? '')?.[1]?.length;
      if (level !== undefined && level <= start.level) {
        end = i;
        break;
      }
    }
    sections.set(start.id, { id: start.id, text: lines.slice(start.index, end).join('\n') });
  }
  return sections;
}

/** Every heading of a markdown file, normalised, without its leading hashes. */
export function headings(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)].map((match) => normalise(match[1] ?? '')));
}

/** GitHub's anchor for each heading of a markdown file (`## §1 Transport` → `1-transport`). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = (match[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** What may stand between two section numbers of one citation: `§2, §4`, `§7 and §12`, `§5–§11`. */
const SEPARATOR = String.raw`(?:\s*,\s*|\s+and\s+|\s*[–-]\s*|\s+)`;
/** What may follow a section number: a quoted phrase (`§2 "Will"`, `§9: "in any order"`), a step, a table. */
const QUALIFIER = String.raw`(?::?\s+"[^"\n]*"|\s+step\s+\d+|\s+table\b)?`;
/** `docs/protocol.md` and the run of section references after it. */
const PROTOCOL_CITATION = new RegExp(String.raw`docs/protocol\.md((?:${SEPARATOR}§\d+(?:\.\d+)?${QUALIFIER})*)`, 'g');
/** One reference of that run: separator, section id, then phrase, step or `table`. */
const SECTION_REF = new RegExp(String.raw`(${SEPARATOR})§(\d+(?:\.\d+)?)(?::?\s+"([^"\n]*)"|\s+step\s+(\d+)|\s+(table)\b)?`, 'g');
/** `docs/design.md` with its quoted headings; group 2 catches a quote left open at the end of the line. */
const DESIGN_CITATION = /docs\/design\.md((?:(?:\s*,\s*|\s+)"[^"\n]*")*)(\s*"[^"\n]*$)?/gm;

/** The problem with citing section `id` with an optional quoted phrase, step or table, if any. */
function sectionProblem(docs: CitableDocs, id: string, phrase?: string, step?: string, table?: string): string | undefined {
  const section = docs.sections.get(id);
  if (section === undefined) return `docs/protocol.md has no §${id}`;
  if (phrase !== undefined && !normalise(section.text).includes(normalise(phrase))) {
    return `docs/protocol.md §${id} does not say "${phrase}"`;
  }
  if (step !== undefined && !new RegExp(`^\\s*${step}\\.\\s`, 'm').test(section.text)) {
    return `docs/protocol.md §${id} has no step ${step}`;
  }
  if (table !== undefined && !/^\s*\|/m.test(section.text)) return `docs/protocol.md §${id} has no table`;
  return undefined;
}

/** Every docs/protocol.md and docs/design.md citation in `text`, each with its problem if it has one. */
export function citations(text: string, docs: CitableDocs): Citation[] {
  const found: Citation[] = [];
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length;

  for (const match of text.matchAll(PROTOCOL_CITATION)) {
    const refs = [...(match[1] ?? '').matchAll(SECTION_REF)];
    if (refs.length === 0) {
      found.push({ line: lineOf(match.index), cited: 'docs/protocol.md' });
      continue;
    }
    let previous: number | undefined;
    for (const ref of refs) {
      const [, separator = '', id = '', phrase, step, table] = ref;
      const cited = `docs/protocol.md §${id}${phrase === undefined ? '' : ` "${phrase}"`}${step === undefined ? '' : ` step ${step}`}`;
      let problem = sectionProblem(docs, id, phrase, step, table);
      // `§5–§11` cites every section in between too.
      if (problem === undefined && /[–-]/.test(separator) && previous !== undefined) {
        for (let n = previous + 1; n < Number(id) && problem === undefined; n++) problem = sectionProblem(docs, String(n));
      }
      found.push(problem === undefined ? { line: lineOf(match.index), cited } : { line: lineOf(match.index), cited, problem });
      previous = Number.parseInt(id, 10);
    }
  }

  for (const match of text.matchAll(DESIGN_CITATION)) {
    const line = lineOf(match.index);
    if (match[2] !== undefined) {
      found.push({ line, cited: 'docs/design.md "…', problem: 'a quoted docs/design.md heading must close on the same line' });
    }
    const quoted = [...(match[1] ?? '').matchAll(/"([^"\n]*)"/g)].map((quote) => quote[1] ?? '');
    if (quoted.length === 0 && match[2] === undefined) found.push({ line, cited: 'docs/design.md' });
    for (const heading of quoted) {
      const cited = `docs/design.md "${heading}"`;
      found.push(
        docs.designHeadings.has(normalise(heading)) ? { line, cited } : { line, cited, problem: `docs/design.md has no heading "${heading}"` },
      );
    }
  }
  return found;
}

/** Names of the private reference texts, which project files must never cite. */
const PRIVATE_REFERENCES = [/\b(?:PROTOCOL|DESIGN|STYLE)\.md\b/, /\/work\/shared\b/];

/** Lines of `text` that cite a private reference text instead of the project's own docs. */
export function privateReferences(text: string): number[] {
  return text
    .split('\n')
    .flatMap((line, index) => (PRIVATE_REFERENCES.some((pattern) => pattern.test(line)) ? [index + 1] : []));
}

/** Relative link targets of a markdown text (inline `[x](target)` and `[x]: target` definitions), without web or mail links. */
export function relativeLinks(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  markdown.split('\n').forEach((text, index) => {
    const targets = [
      ...[...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] ?? ''),
      ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((match) => match[1] ?? ''),
    ];
    for (const target of targets) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ line: index + 1, target });
    }
  });
  return links;
}

/** Repository paths a markdown text names in backticks (`packages/x`, `test/x`, …); globs and elisions excluded. */
export function repositoryPaths(markdown: string): { line: number; path: string }[] {
  const paths: { line: number; path: string }[] = [];
  markdown.split('\n').forEach((text, index) => {
    for (const match of text.matchAll(/`((?:packages|test|bench|examples|scripts|docs)\/[^`\s]*)`/g)) {
      const path = match[1] ?? '';
      if (!/[*{}…]/.test(path)) paths.push({ line: index + 1, path });
    }
  });
  return paths;
}
