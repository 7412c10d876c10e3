/**
 * The packages a user installs: topics, sas and core packed by `pnpm pack`, installed from the
 * tarballs by `npm install` into a fresh project, where the README's examples run under plain
 * `node` and a TypeScript consumer without Node types compiles against every public export.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicExports, RESOLUTIONS, writeConsumer, type PublicExports } from './support/consumer-types.ts';
import { packAndInstall, type Installation } from './support/packed.ts';
import { outputLines, run } from './support/processes.ts';
import { LIBRARY_SECTIONS, readmeSnippets } from './support/readme-snippets.ts';
import { WORKSPACE } from './support/workspace.ts';

/** The package.json fields a consumer's install, resolver or registry page reads. */
const CONSUMER_FIELDS = ['name', 'version', 'description', 'license', 'type', 'sideEffects', 'exports', 'files', 'engines', 'dependencies'];
const TSC = join(WORKSPACE, 'node_modules/typescript/bin/tsc');

/** The TypeScript files under `dir`, relative to it. */
function sourceFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(dir, path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the packed libraries', () => {
  let installation: Installation;
  const license = readFileSync(join(WORKSPACE, 'LICENSE'), 'utf8');

  beforeAll(async () => {
    installation = await packAndInstall();
  }, 240_000);
  afterAll(() => installation?.dispose());

  it('the workspace is MIT-licensed', () => {
    expect(license).toMatch(/^MIT License\n/);
    expect(license).toContain('Permission is hereby granted, free of charge');
  });

  it('each tarball holds the build, the README, the LICENSE and package.json, and nothing else', () => {
    for (const library of installation.libraries) {
      const outside = library.files.filter((file) => !/^(dist\/.+\.(js|d\.ts)|README\.md|LICENSE|package\.json)$/.test(file));
      expect(outside, library.name).toEqual([]);
      expect(library.files, library.name).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'package.json']));
      expect(library.files.some((file) => /\.test\./.test(file)), library.name).toBe(false);
      expect(readFileSync(join(library.unpacked, 'LICENSE'), 'utf8'), library.name).toBe(license);
    }
  });

  it('each tarball’s build matches its sources one to one: nothing stale, nothing missing', () => {
    for (const library of installation.libraries) {
      const folder = library.name.replace('@hubwire/', '');
      const sources = sourceFiles(join(WORKSPACE, 'packages', folder, 'src')).filter((file) => !file.endsWith('.test.ts'));
      const expected = sources.flatMap((file) => [`dist/${file.replace(/\.ts$/, '.js')}`, `dist/${file.replace(/\.ts$/, '.d.ts')}`]);
      expect(library.files.filter((file) => file.startsWith('dist/')).sort(), library.name).toEqual(expected.sort());
    }
  });

  it('each packed package.json holds only what a consumer reads: no scripts, no devDependencies', () => {
    for (const library of installation.libraries) {
      expect(Object.keys(library.manifest).filter((field) => !CONSUMER_FIELDS.includes(field)), library.name).toEqual([]);
      expect(library.manifest['license'], library.name).toBe('MIT');
      expect(library.manifest['exports'], library.name).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' });
    }
  });

  it('core depends on topics and sas by caret range, and on nothing else; topics and sas on nothing', () => {
    const dependencies = Object.fromEntries(installation.libraries.map((library) => [library.name, library.manifest['dependencies']]));
    expect(dependencies).toEqual({
      '@hubwire/topics': undefined,
      '@hubwire/sas': undefined,
      '@hubwire/core': { '@hubwire/sas': '^0.1.0', '@hubwire/topics': '^0.1.0' },
    });
  });

  it('npm installs the three tarballs and nothing else', () => {
    expect([...installation.installed].sort()).toEqual(['@hubwire/core', '@hubwire/sas', '@hubwire/topics']);
  });

  describe('the README examples, under plain node in the consumer project', () => {
    const snippets = readmeSnippets();

    it('cover every library', () => {
      expect(new Set(snippets.map((snippet) => snippet.section))).toEqual(new Set(LIBRARY_SECTIONS));
    });

    snippets.forEach((snippet, index) => {
      it(`example ${index + 1} (${snippet.section}) prints what it promises`, async () => {
        // The examples are TypeScript; the types are stripped, nothing else changes.
        const file = join(installation.project, `example-${index + 1}.mjs`);
        writeFileSync(file, transformSync(snippet.code, { loader: 'ts', format: 'esm', target: 'es2022' }).code);
        const result = await run(process.execPath, [file], { cwd: installation.project, timeoutMs: 30_000 });
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(outputLines(result.stdout)).toEqual(snippet.promised);
      });
    });
  });

  describe('the published types, for a browser-only TypeScript consumer', () => {
    let exports: PublicExports[] = [];
    let tsconfigs: string[] = [];

    beforeAll(() => {
      exports = publicExports(installation.project);
      tsconfigs = writeConsumer(installation.project, exports);
    }, 60_000);

    it('list a real public surface for each library', () => {
      expect(exports.map((library) => library.name)).toEqual(['@hubwire/topics', '@hubwire/sas', '@hubwire/core']);
      const core = exports.find((library) => library.name === '@hubwire/core');
      expect(core?.values).toEqual(expect.arrayContaining(['DeviceEngine', 'ProvisioningEngine', 'PacketDecoder', 'encodePublish']));
      expect(core?.types).toEqual(expect.arrayContaining(['DeviceEvent', 'ProvisioningEvent', 'DeviceEngineOptions']));
      for (const library of exports) expect(library.values.length + library.types.length, library.name).toBeGreaterThan(5);
    });

    RESOLUTIONS.forEach((resolution, index) => {
      it(`compile with moduleResolution ${resolution}, types [], skipLibCheck false, lib es2022 + dom`, async () => {
        const result = await run(process.execPath, [TSC, '-p', tsconfigs[index] ?? ''], { cwd: installation.project, timeoutMs: 90_000 });
        expect(result.stdout).toBe('');
        expect(result.code).toBe(0);
      }, 120_000);
    });
  });
});
