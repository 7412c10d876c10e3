/**
 * The README's main command, `pnpm demo`, must keep working: run its main function in-process
 * (simulated hub, real loopback sockets) and check every step passed.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../examples/demo.ts';

describe('the demo', () => {
  it('runs every feature against the simulated hub and reports success within its deadlines', async () => {
    const lines: string[] = [];
    const summary = await main({ sink: (line) => lines.push(line), colour: false });
    const failed = summary.steps.filter((step) => !step.ok);
    expect(failed, lines.join('\n')).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(summary.steps.map((step) => step.name)).toEqual([
      'Connect: a device over TCP, one over WebSocket, one with a 4 s token',
      'Telemetry with properties, acknowledged by PUBACK',
      'Cloud-to-device message',
      'Desired property applied and acknowledged (Plug and Play)',
      'Direct methods: one over TCP, one over WebSocket',
      'Dropped connection: in-flight telemetry re-sent, twin re-read, nothing lost',
      'SAS token renewed before it expires',
      'Provisioned through DPS, then connected to the assigned hub',
    ]);
    expect(summary.stats?.ruleViolations).toBe(0);
    expect(summary.stats?.dpsAssignments).toBe(1);
    expect(lines).toContain('  all 8 steps passed');
    expect(lines.some((line) => line.includes('sensor-ws') && line.includes('websocket'))).toBe(true);
  }, 40_000);
});
