/**
 * Runs `hubwire-fleet` as a child process the way a user's shell does — the package's bin, which
 * runs the build (its embedded hub is a process forked from the build, where a TypeScript loader
 * would not follow): arguments in, exit code, stdout and stderr out. A build older than the
 * sources is refused with the command that fixes it, rather than tested.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'packages/fleet/bin/hubwire-fleet.js');
/** The packages the command runs from, in build order. */
const PACKAGES = ['topics', 'sas', 'core', 'node', 'sim-hub', 'fleet'];

/** What a finished run printed. */
export interface FleetRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The newest modification time (ms) of the non-test TypeScript files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let checked = false;

/** Throws unless every package the command needs is built from its current sources. */
function assertBuilt(): void {
  if (checked) return;
  for (const name of PACKAGES) {
    const built = join(ROOT, 'packages', name, 'dist/index.js');
    if (!existsSync(built) || statSync(built).mtimeMs < newestSource(join(ROOT, 'packages', name, 'src'))) {
      throw new Error(`packages/${name} changed since its last build: run \`npx -y pnpm@10 build\` first`);
    }
  }
  checked = true;
}

/** Runs the CLI with `args`; `onStdout` sees output as it comes; killed after `timeoutMs`. */
export function runFleetCli(args: readonly string[], options: { timeoutMs?: number; onStdout?: (text: string) => void } = {}): Promise<FleetRun> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.onStdout?.(stdout);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
