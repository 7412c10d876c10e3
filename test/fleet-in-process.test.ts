/**
 * A fleet on the in-process network (no sockets), run as a library: thousands of devices started
 * at once must all connect, and every QoS 1 message sent must be accounted for at the end —
 * acknowledged, or reported as still unacknowledged when the run stopped.
 */
import { describe, expect, it } from 'vitest';
import { parseFlags, runFleet, summarize, type FleetConfig } from '@hubwire/fleet';

function config(argv: string[]): FleetConfig {
  const parsed = parseFlags(['--in-process', '--progress', 'none', ...argv]);
  if (parsed === 'help') throw new Error('unexpected --help');
  return parsed;
}

describe('hubwire-fleet on the in-process network', () => {
  it('connects 3 000 devices started at once and, after the drain, has every message sent acknowledged', async () => {
    const lines: string[] = [];
    const seconds: number[] = [];
    const result = await runFleet(config(['--devices', '3000', '--connect-rate', '0', '--rate', '2', '--duration', '3s', '--drain', '30s']), {
      log: (line) => lines.push(line),
      onSecond: (_, elapsedMs) => seconds.push(elapsedMs),
    });
    const summary = summarize(result);
    expect(summary.devices.everConnected).toBe(3000);
    expect(summary.telemetry.sent).toBeGreaterThan(3000);
    expect(summary.telemetry.acked).toBe(summary.telemetry.sent);
    expect(summary.telemetry.unacked).toBe(0);
    expect(summary.ackLatencyMs.count).toBe(summary.telemetry.sent);
    expect(summary.errorTotal).toBe(0);
    expect(seconds.length).toBeGreaterThanOrEqual(2); // the loop was free to report while devices started
    expect(lines.filter((line) => /^time is up/.test(line)).length).toBeLessThanOrEqual(1);
  }, 60_000);

  it('without a drain, reports what was still in flight instead of losing it', async () => {
    const result = await runFleet(config(['--devices', '500', '--connect-rate', '0', '--rate', '20', '--duration', '2s', '--drain', '0']), { log: () => undefined });
    const summary = summarize(result);
    expect(summary.telemetry.sent).toBeGreaterThan(500);
    expect(summary.telemetry.acked + summary.telemetry.unacked).toBe(summary.telemetry.sent);
    expect(summary.ackLatencyMs.count).toBe(summary.telemetry.acked);
  }, 60_000);
});
