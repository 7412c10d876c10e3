/**
 * The command: flags → run → summary, report and exit code. Exit 0 after a run (its errors are
 * in the summary), 2 for a configuration it cannot run (bad flags, a broken connection string),
 * 1 for a hub it cannot use (unreachable, refusing the credentials). Those end with one line on
 * stderr, never a stack trace; only a bug in the tool itself prints one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FleetConfigError, FleetConnectError } from './config/config-error.ts';
import { parseFlags } from './config/flags.ts';
import { USAGE } from './config/usage.ts';
import { counted } from './output/format.ts';
import { Progress } from './output/progress.ts';
import { htmlReport } from './output/html-report.ts';
import { serveMetrics, type MetricsServer } from './output/prometheus.ts';
import { summarize, summaryText } from './output/summary.ts';
import { runFleet } from './run/fleet.ts';

/** Runs the command with `argv` (without node and the script) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let metricsServer: MetricsServer | undefined;
  try {
    const config = parseFlags(argv);
    if (config === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const progress = new Progress(process.stdout, config.progress, config.logIntervalMs);
    progress.log(`hubwire-fleet: ${counted(config.devices, 'device')}, ${config.connectRate === 0 ? 'no connect limit' : `${config.connectRate} connects/s`}, ${config.rate} msg/s each, QoS ${config.qos}`);
    let pendingMetrics: Promise<void> | undefined;
    const result = await runFleet(config, {
      log: (line) => progress.log(line),
      onSecond: (metrics, elapsedMs) => progress.second(metrics, elapsedMs),
      onStart: (metrics, sampler) => {
        if (config.metricsPort === undefined) return;
        pendingMetrics = serveMetrics(config.metricsHost, config.metricsPort, metrics, sampler).then(
          (server) => {
            metricsServer = server;
            progress.log(`metrics: http://${config.metricsHost}:${server.port}/metrics`);
          },
          (error: unknown) => progress.log(`metrics: cannot listen on ${config.metricsHost}:${config.metricsPort} (${(error as NodeJS.ErrnoException).code ?? String(error)})`),
        );
      },
    });
    await pendingMetrics;
    progress.finish();
    const summary = summarize(result);
    process.stdout.write(`${summaryText(summary)}\n`);
    writeOutput(config.reportPath, htmlReport(summary));
    process.stdout.write(`report: ${resolve(config.reportPath)}\n`);
    if (config.summaryJsonPath !== undefined) writeOutput(config.summaryJsonPath, `${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof FleetConfigError) {
      process.stderr.write(`hubwire-fleet: ${error.message}\n`);
      return 2;
    }
    if (error instanceof FleetConnectError) {
      process.stderr.write(`hubwire-fleet: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await metricsServer?.close();
  }
}

function writeOutput(path: string, text: string): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, text);
  } catch (error) {
    throw new FleetConfigError(`cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
