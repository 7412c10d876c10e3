/** Runs another program to its end, bounded in time, keeping what it printed. */
import { spawn } from 'node:child_process';

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

/** Splits a program's output into lines, without the empty one after the last newline. */
export function outputLines(stdout: string): string[] {
  return stdout.split('\n').filter((line, index, lines) => line !== '' || index < lines.length - 1);
}
