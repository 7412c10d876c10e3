/**
 * Finds the Deno and Bun executables that the npm packages `deno` and `bun` install (each ships
 * its binary inside a registry package; pnpm runs their postinstall step because
 * pnpm-workspace.yaml lists them in onlyBuiltDependencies), and runs programs under them.
 *
 * A runtime that is missing or does not start skips its tests locally, with the reason; under CI
 * (`CI` set, as .ci/run runs) it is a failure, so a broken install step cannot pass unseen.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The workspace root. */
export const WORKSPACE = fileURLToPath(new URL('../../../', import.meta.url));

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

/** What a finished program left behind. */
export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end, killing it after `timeoutMs`; never rejects for a non-zero exit. */
export function run(executable: string, args: readonly string[], options: { cwd: string; timeoutMs: number }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, {
      cwd: options.cwd,
      // No colour codes in what the tests compare; no update checks or telemetry on a closed network.
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Rejects with what the program said if it ends before the caller stops waiting for something else. */
export async function exitedEarly(running: Promise<Finished>): Promise<never> {
  const result = await running;
  throw new Error(`the program exited early (code ${String(result.code)}):\n${result.stderr}${result.stdout}`);
}

/** The three sans-IO packages, by name and folder. */
export const LIBRARIES = [
  ['@hubwire/topics', 'topics'],
  ['@hubwire/sas', 'sas'],
  ['@hubwire/core', 'core'],
] as const;

/** The import map examples/drivers ships for Deno: each library's built `dist/index.js`, and nothing else. */
export const DENO_IMPORT_MAP = join(WORKSPACE, 'examples/drivers/deno-import-map.json');

/** An import map sending each library to its source, for type-checking against Deno's own types. */
export function sourceImportMap(): { imports: Record<string, string> } {
  return {
    imports: Object.fromEntries(LIBRARIES.map(([name, folder]) => [name, `file://${join(WORKSPACE, 'packages', folder, 'src/index.ts')}`])),
  };
}
