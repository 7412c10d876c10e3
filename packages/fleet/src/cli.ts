#!/usr/bin/env node
// hubwire-fleet: see `hubwire-fleet --help` and the package README.
import { runCli } from './run-cli.ts';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Sockets of a torn-down hub may linger a moment; the run is over.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (error: unknown) => {
    process.stderr.write(`hubwire-fleet: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  },
);
