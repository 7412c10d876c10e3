/**
 * Finds the Deno and Bun executables that the npm packages `deno` and `bun` install (each ships
 * its binary inside a registry package; pnpm runs their postinstall step because
 * pnpm-workspace.yaml lists them in onlyBuiltDependencies).
 *
 * A runtime that is missing or does not start skips its tests locally, with the reason; under CI
 * (`CI` set, as .ci/run runs) it is a failure, so a broken install step cannot pass unseen.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LIBRARIES, WORKSPACE } from './workspace.ts';

const require = createRequire(import.meta.url);

/** A runtime ready to run: its executable and the version it reports. */
export interface Runtime {
  readonly name: 'deno' | 'bun';
  readonly executable: string;
  readonly version: string;
}

/** Either a runtime, or why it cannot run here. */
export type Located = { readonly runtime: Runtime; readonly missing?: undefined } | { readonly runtime?: undefined; readonly missing: string };

/** The executable inside the installed npm package, or throws why there is none. */
function executableOf(name: 'deno' | 'bun'): string {
  const packageDir = dirname(require.resolve(`${name}/package.json`));
  if (name === 'deno') {
    const exe = join(packageDir, 'deno');
    if (existsSync(exe)) return exe;
    // The package's own resolver finds the binary in its platform package when postinstall did not copy it.
    const installApi = require(join(packageDir, 'install_api.cjs')) as { runInstall(): string };
    return installApi.runInstall();
  }
  // Before bun's postinstall this is a script that says the step did not run, and exits 1.
  return join(packageDir, 'bin', 'bun.exe');
}

/** Locates a runtime and checks that it starts (`--version`). Throws under CI when it cannot. */
export function locateRuntime(name: 'deno' | 'bun'): Located {
  let missing: string;
  try {
    const executable = executableOf(name);
    const probe = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    const firstLine = (probe.stdout ?? '').split('\n')[0]?.trim() ?? '';
    if (probe.status === 0 && firstLine !== '') {
      return { runtime: { name, executable, version: firstLine.replace(/^deno /, '').replace(/ \(.*$/, '') } };
    }
    const said = `${probe.stderr ?? ''}`.trim().split('\n')[0] ?? '';
    missing = `${executable} --version failed (${probe.error?.message ?? `exit ${String(probe.status)}`}${said === '' ? '' : `: ${said}`})`;
  } catch (error) {
    missing = `the npm package '${name}' is not installed (${(error as Error).message.split('\n')[0]})`;
  }
  const reason = `${name} cannot run: ${missing}; \`npx -y pnpm@10 install\` installs it (pnpm-workspace.yaml must list ${name} in onlyBuiltDependencies)`;
  if (process.env['CI']) throw new Error(reason);
  return { missing: reason };
}

/** The import map examples/drivers ships for Deno: each library's built `dist/index.js`, and nothing else. */
export const DENO_IMPORT_MAP = join(WORKSPACE, 'examples/drivers/deno-import-map.json');

/** An import map sending each library to its source, for type-checking against Deno's own types. */
export function sourceImportMap(): { imports: Record<string, string> } {
  return {
    imports: Object.fromEntries(LIBRARIES.map(([name, folder]) => [name, `file://${join(WORKSPACE, 'packages', folder, 'src/index.ts')}`])),
  };
}
