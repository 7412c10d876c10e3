/**
 * Runs `hubwire-fleet` as a child process from its TypeScript source (tsx, the workspace's
 * tsconfig paths), as a user's shell would: arguments in, exit code, stdout and stderr out.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What a finished run printed. */
export interface FleetRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with `args`; `onStdout` sees output as it comes; killed after `timeoutMs`. */
export function runFleetCli(args: readonly string[], options: { timeoutMs?: number; onStdout?: (text: string) => void } = {}): Promise<FleetRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`${ROOT}node_modules/tsx/dist/cli.mjs`, '--tsconfig', `${ROOT}packages/fleet/tsconfig.json`, `${ROOT}packages/fleet/src/cli.ts`, ...args],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
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
