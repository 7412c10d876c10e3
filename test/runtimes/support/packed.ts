/**
 * The three libraries as a user gets them: packed by `pnpm pack` (as `pnpm publish` would pack
 * them) and installed from the tarballs by `npm install` into a fresh project in a temporary
 * folder. Done once per test file, which shares the result.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type Finished } from './processes.ts';
import { LIBRARIES, WORKSPACE } from './workspace.ts';

/** A packed library: its tarball, the files inside, and its packed package.json. */
export interface PackedLibrary {
  readonly name: string;
  readonly tarball: string;
  /** Paths inside the tarball, without the leading `package/`. */
  readonly files: readonly string[];
  readonly manifest: Record<string, unknown>;
  /** The unpacked tarball. */
  readonly unpacked: string;
}

/** The packed libraries and the fresh npm project they were installed into. */
export interface Installation {
  readonly root: string;
  readonly project: string;
  readonly libraries: readonly PackedLibrary[];
  /** Everything npm put in the project's node_modules, as `name` or `@scope/name`. */
  readonly installed: readonly string[];
  dispose(): void;
}

/** Throws with the program's output unless it exited 0. */
function succeeded(what: string, result: Finished): Finished {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${String(result.code)}):\n${result.stderr}\n${result.stdout}`);
  return result;
}

/** Lists a node_modules folder's packages, scoped ones as `@scope/name`. */
function packagesIn(nodeModules: string): string[] {
  return readdirSync(nodeModules)
    .filter((entry) => !entry.startsWith('.'))
    .flatMap((entry) => (entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).map((name) => `${entry}/${name}`) : [entry]));
}

/** Packs topics, sas and core, and installs the tarballs into a new npm project. */
export async function packAndInstall(): Promise<Installation> {
  const root = mkdtempSync(join(tmpdir(), 'hubwire-tarballs-'));
  try {
    const packs = join(root, 'packs');
    const filters = LIBRARIES.flatMap(([, folder]) => ['--filter', `./packages/${folder}`]);
    succeeded('pnpm pack', await run('npx', ['--yes', 'pnpm@10', '-r', ...filters, 'pack', '--pack-destination', packs], { cwd: WORKSPACE, timeoutMs: 120_000 }));

    const libraries: PackedLibrary[] = [];
    for (const [name, folder] of LIBRARIES) {
      const tarball = join(packs, `hubwire-${folder}-0.1.0.tgz`);
      const unpacked = join(root, 'unpacked', folder);
      mkdirSync(unpacked, { recursive: true });
      const listing = succeeded('tar -t', await run('tar', ['-tzf', tarball], { cwd: root, timeoutMs: 30_000 }));
      succeeded('tar -x', await run('tar', ['-xzf', tarball, '-C', unpacked], { cwd: root, timeoutMs: 30_000 }));
      const files = listing.stdout.split('\n').filter((line) => line !== '').map((line) => line.replace(/^package\//, ''));
      const manifest = JSON.parse(readFileSync(join(unpacked, 'package/package.json'), 'utf8')) as Record<string, unknown>;
      libraries.push({ name, tarball, files, manifest, unpacked: join(unpacked, 'package') });
    }

    const project = join(root, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'hubwire-consumer', private: true, type: 'module' }, null, 2)}\n`);
    const tarballs = libraries.map((library) => library.tarball);
    succeeded('npm install', await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], { cwd: project, timeoutMs: 180_000 }));
    return {
      root,
      project,
      libraries,
      installed: packagesIn(join(project, 'node_modules')),
      dispose: () => rmSync(root, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
