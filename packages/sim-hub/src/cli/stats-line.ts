/** A periodic one-line report of a running hub: connections, telemetry per second, memory, CPU time used. */
import type { SimHub } from '../sim-hub.ts';

/** Prints a stats line every `intervalMs`; returns a function that stops it after printing a last one. */
export function startStatsLine(hub: SimHub, intervalMs: number, print: (line: string) => void = (line) => console.log(line)): () => void {
  let last = { at: performance.now(), telemetry: hub.stats().telemetryReceived };
  const report = (): void => {
    const now = performance.now();
    const stats = hub.stats();
    const rate = ((stats.telemetryReceived - last.telemetry) * 1000) / (now - last.at);
    last = { at: now, telemetry: stats.telemetryReceived };
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    print(
      `stats: ${hub.connectedDevices().length} connected, ${rate.toFixed(0)} telemetry/s, ${stats.telemetryReceived} telemetry in all, ` +
        `rss ${mib(memory.rss)} MiB, heap ${mib(memory.heapUsed)}/${mib(memory.heapTotal)} MiB, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
    );
  };
  const timer = setInterval(report, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    report();
  };
}

function mib(bytes: number): string {
  return (bytes / 1_048_576).toFixed(0);
}
