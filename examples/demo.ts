/**
 * `pnpm demo`: hubwire end to end, in about ten seconds, with nothing to set up.
 *
 * Starts the simulated IoT Hub + DPS in this process, then drives devices with hubwire over
 * real loopback sockets (TCP, and one over WebSocket) through the Node drivers (@hubwire/node), and logs
 * what happens on both sides: connect, telemetry with properties and acknowledgements, a C2D
 * message, a desired property applied and acknowledged the Plug and Play way, direct methods,
 * a dropped connection recovered with nothing lost, a short-lived SAS token renewed, and a
 * device provisioned through DPS that then connects to its hub. Ends with a summary; the exit
 * code is 0 only when every step passed. Every wait has a deadline.
 *
 *   pnpm demo              # the live log
 *   pnpm demo --hub-log    # also every line the simulated hub logs
 */
import type { DeviceEvent } from '@hubwire/core';
import { deriveGroupKey } from '@hubwire/sas';
import { pathToFileURL } from 'node:url';
import { describeEvent, describeNotice, preview } from './demo/describe-event.ts';
import { LiveLog } from './demo/live-log.ts';
import { LOCAL_BACKOFF, simConnector, startSimDevice, type SimDevice, type SimDeviceOptions } from './demo/sim-device.ts';
import { StepRunner, type StepResult } from './demo/steps.ts';
import { respondLikeAThermostat } from './demo/thermostat.ts';
import { deviceClientForAssignment, dpsAuth, EventQueue, provision } from '@hubwire/node';
import { SimHub, type SimHubAddresses, type SimHubStats } from '@hubwire/sim-hub';

/** Options of {@link main}. */
export interface DemoOptions {
  /** Where log lines go (default: stdout). */
  readonly sink?: (line: string) => void;
  /** ANSI colours (default: when stdout is a terminal and a sink is not given). */
  readonly colour?: boolean;
  /** Also log every line of the simulated hub. */
  readonly hubLog?: boolean;
}

/** What the demo did. */
export interface DemoSummary {
  /** True when every step passed. */
  readonly ok: boolean;
  readonly steps: readonly StepResult[];
  readonly stats: SimHubStats | undefined;
}

const THERMOSTAT = 'thermostat-1';
const SENSOR = 'sensor-ws';
const ROTATING = 'short-token-1';
const REGISTRATION = 'dps-sensor-42';
const THERMOSTAT_MODEL = 'dtmi:com:example:Thermostat;1';

/** Runs the whole demo and resolves with the verdicts; never rejects, never hangs. */
export async function main(options: DemoOptions = {}): Promise<DemoSummary> {
  const log = new LiveLog({
    ...(options.sink === undefined ? {} : { sink: options.sink }),
    colour: options.colour ?? (options.sink === undefined && process.stdout.isTTY === true),
  });
  const hub = new SimHub({
    dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 0 },
    ...(options.hubLog === true ? { onLog: (line: string) => log.line('sim-hub', `· ${line}`) } : {}),
  });
  const steps = new StepRunner(log);
  const running: { stop(): Promise<void> }[] = [];
  let stats: SimHubStats | undefined;
  try {
    const addresses = await hub.start();
    log.line('sim-hub', `IoT Hub ${addresses.hostName}: MQTT on tcp ${addresses.mqttPort}, ws ${addresses.wsPort}`);
    log.line('sim-hub', `DPS scope ${addresses.idScope}: MQTT on tcp ${addresses.dpsPort}, ws ${addresses.dpsWsPort}`);
    for (const deviceId of [THERMOSTAT, SENSOR, ROTATING]) hub.addDevice({ deviceId });

    /** Starts a device whose events and driver notices go to the log, answering like a thermostat. */
    const start = (deviceId: string, extra: SimDeviceOptions = {}): SimDevice => {
      const device = startSimDevice(addresses, hub.connectionString(deviceId), {
        ...extra,
        onEvent: (client, event) => {
          log.line(deviceId, describeEvent(event));
          respondLikeAThermostat(client, event);
        },
        onNotice: (notice) => log.line(deviceId, describeNotice(notice)),
      });
      running.push(device);
      return device;
    };

    let thermostat: SimDevice | undefined;
    let sensor: SimDevice | undefined;
    let rotating: SimDevice | undefined;

    const connected = await steps.run('Connect: a device over TCP, one over WebSocket, one with a 4 s token', 5000, async () => {
      thermostat = start(THERMOSTAT, { engineOptions: { modelId: THERMOSTAT_MODEL } });
      sensor = start(SENSOR, { transport: 'websocket' });
      // A token living 3–4 s (se has whole-second resolution), renewed 1.5 s before it expires.
      rotating = start(ROTATING, { tokenTtlSeconds: 4, engineOptions: { tokenRenewalMarginMs: 1500 } });
      await Promise.all([
        hub.waitForConnection(THERMOSTAT, { filters: deviceFilters(THERMOSTAT), timeoutMs: 4000 }),
        hub.waitForConnection(SENSOR, { filters: deviceFilters(SENSOR), timeoutMs: 4000 }),
        hub.waitForConnection(ROTATING, { timeoutMs: 4000 }),
      ]);
      for (const c of hub.connectedDevices()) {
        log.line('sim-hub', `${c.clientId} is connected over ${c.transport}${c.modelId === undefined ? '' : `, model ${c.modelId}`}`);
      }
    });
    if (!connected || thermostat === undefined || sensor === undefined || rotating === undefined) {
      return { ok: false, steps: steps.results, stats: hub.stats() };
    }
    const t = thermostat;
    const s = sensor;
    const r = rotating;

    await steps.run('Telemetry with properties, acknowledged by PUBACK', 3000, async () => {
      const ids = t.client.act((engine, now) =>
        [21.4, 21.9, 22.6].map(
          (temperature, i) =>
            engine.publishTelemetry(now, JSON.stringify({ temperature }), {
              messageId: `reading-${i + 1}`,
              contentType: 'application/json',
              contentEncoding: 'utf-8',
              properties: temperature > 22 ? { room: 'living', alert: 'warm' } : { room: 'living' },
            }).id,
        ),
      );
      log.line(THERMOSTAT, `sent telemetry #${ids.join(', #')} at QoS 1`);
      await allAcked(t.events, ids, 2500);
      for (const record of hub.telemetry((x) => x.deviceId === THERMOSTAT)) {
        const app = Object.entries(record.properties.application).map(([k, v]) => `${k}=${v}`).join(' ');
        log.line('sim-hub', `got ${record.text} id=${record.properties.messageId} type=${record.properties.contentType} ${app}`);
      }
    });

    await steps.run('Cloud-to-device message', 3000, async () => {
      const receipt = hub.sendC2d(THERMOSTAT, 'Filter needs cleaning', { messageId: 'c2d-1', application: { severity: 'info' } });
      log.line('service', 'sendC2d "Filter needs cleaning"');
      await t.events.nextOf('c2d', 2500, (e) => e.properties.messageId === 'c2d-1');
      const result = await receipt;
      if (result.outcome !== 'completed') throw new Error(`C2D ended ${result.outcome}`);
      log.line('service', `C2D c2d-1 ${result.outcome} (the device's PUBACK completes it)`);
    });

    await steps.run('Desired property applied and acknowledged (Plug and Play)', 3000, async () => {
      const version = hub.updateDesired(THERMOSTAT, { targetTemperature: 23.5 });
      log.line('service', `set desired targetTemperature = 23.5 (twin desired v${version})`);
      await t.events.nextOf('reported-patched', 2500);
      const ack = await reportedAck(hub, THERMOSTAT, version, 2500);
      log.line('service', `twin reported targetTemperature = ${JSON.stringify(ack)}`);
    });

    await steps.run('Direct methods: one over TCP, one over WebSocket', 3000, async () => {
      const report = await hub.invokeMethod(THERMOSTAT, 'getMaxMinReport', { since: 'boot' }, { timeoutMs: 2500 });
      log.line('service', `getMaxMinReport → ${report.status} ${JSON.stringify(report.payload)}`);
      const reboot = await hub.invokeMethod(SENSOR, 'reboot', { delay: 0 }, { timeoutMs: 2500 });
      log.line('service', `reboot on ${SENSOR} → ${reboot.status} ${JSON.stringify(reboot.payload)}`);
      if (report.status !== 200 || reboot.status !== 200) throw new Error('a method did not answer 200');
      const { id } = s.client.act((engine, now) => engine.publishTelemetry(now, '{"humidity":48}', { contentType: 'application/json' }));
      await allAcked(s.events, [id], 2500);
    });

    await steps.run('Dropped connection: in-flight telemetry re-sent, twin re-read, nothing lost', 6000, async () => {
      const { ids, rid } = t.client.act((engine, now) => ({
        ids: [1, 2, 3, 4, 5].map((seq) => engine.publishTelemetry(now, JSON.stringify({ seq })).id),
        rid: engine.patchReported(now, { lastService: 'today' }).rid,
      }));
      log.line(THERMOSTAT, `sent telemetry #${ids.join(', #')} and a reported patch; ${t.client.engine.inFlightTelemetry} awaiting PUBACK`);
      await hub.disconnectDevice(THERMOSTAT);
      log.line('service', `disconnectDevice(${THERMOSTAT}): the hub dropped the socket`);
      const version = hub.updateDesired(THERMOSTAT, { targetTemperature: 19 });
      log.line('service', `set desired targetTemperature = 19 (v${version}) while the device is away`);
      // The reported patch either made it or failed as retriable when the socket went: the app resends it.
      const ending = await t.events.next(
        (e: DeviceEvent) => (e.type === 'reported-patched' || e.type === 'request-failed') && e.rid === rid,
        5000,
        'the reported patch to end',
      );
      if (ending.type === 'request-failed' && ending.retriable) {
        // Twin intents made while disconnected are held by the engine until it is connected again.
        log.line(THERMOSTAT, 'resending the reported patch');
        const again = t.client.act((engine, now) => engine.patchReported(now, { lastService: 'today' }).rid);
        await t.events.nextOf('reported-patched', 5000, (e) => e.rid === again);
      }
      await allAcked(t.events, ids, 5000);
      const seen = new Set(hub.telemetry((x) => x.deviceId === THERMOSTAT).map((x) => x.text));
      const missing = [1, 2, 3, 4, 5].filter((seq) => !seen.has(JSON.stringify({ seq })));
      if (missing.length > 0) throw new Error(`the hub never got seq ${missing.join(', ')}`);
      log.line('service', 'all 5 messages arrived at the hub');
      // The engine re-read the twin after reconnecting; the thermostat acknowledged the offline change from it.
      const ack = await reportedAck(hub, THERMOSTAT, version, 5000);
      log.line('service', `twin reported targetTemperature = ${JSON.stringify(ack)}`);
    });

    await steps.run('SAS token renewed before it expires', 6000, async () => {
      await r.events.nextOf('connected', 5000);
      await r.events.nextOf('token-expiring', 5000);
      const renewed = await r.events.nextOf('connected', 5000);
      log.line('service', `${ROTATING} reconnected with a fresh token (session present: ${renewed.sessionPresent})`);
      const { id } = r.client.act((engine, now) => engine.publishTelemetry(now, 'still here after renewal'));
      await allAcked(r.events, [id], 3000);
    });

    await steps.run('Provisioned through DPS, then connected to the assigned hub', 6000, async () => {
      const { key: groupKey } = hub.dps.addGroupEnrollment();
      const deviceKey = await deriveGroupKey(groupKey, REGISTRATION);
      log.line(REGISTRATION, 'derived the device key from the group enrollment key; registering with DPS');
      const assignment = await provision({
        connector: simConnector(addresses, 'tcp', 'dps'),
        engineOptions: { idScope: addresses.idScope, registrationId: REGISTRATION, requestTimeoutMs: 3000 },
        auth: dpsAuth(addresses.idScope, REGISTRATION, deviceKey),
        payload: { modelId: THERMOSTAT_MODEL },
        onEvent: (event) => {
          if (event.type === 'assigned') log.line(REGISTRATION, `assigned to ${event.assignedHub} as ${event.deviceId} (${event.substatus ?? ''})`);
          else if (event.type === 'connected') log.line(REGISTRATION, 'connected to DPS; registering');
          else if (event.type !== 'subscribed') log.line(REGISTRATION, `DPS: ${event.type}`);
        },
      });
      const events = new EventQueue<DeviceEvent>();
      const client = deviceClientForAssignment(assignment, {
        connectorFor: () => simConnector(addresses, 'tcp'),
        key: deviceKey,
        backoff: LOCAL_BACKOFF,
        onEvent: (event) => {
          log.line(assignment.deviceId, describeEvent(event));
          events.push(event);
        },
      });
      running.push(client);
      client.start();
      await events.nextOf('connected', 3000);
      const { id } = client.act((engine, now) => engine.publishTelemetry(now, '{"hello":"from DPS"}'));
      await allAcked(events, [id], 3000);
      const record = await hub.waitForTelemetry((x) => x.deviceId === assignment.deviceId, 1000);
      log.line('service', `got ${preview(record.body)} from the provisioned ${record.deviceId}`);
    });

    stats = hub.stats();
    return { ok: steps.ok, steps: steps.results, stats };
  } catch (error) {
    log.line('demo', `FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return { ok: false, steps: steps.results, stats };
  } finally {
    await Promise.all(running.map((device) => device.stop()));
    await withDeadline(hub.close(), 3000);
    printSummary(log, steps.results, stats);
  }
}

/** The filters a device subscribes to by default (docs/protocol.md §5). */
function deviceFilters(deviceId: string): string[] {
  return [
    `devices/${deviceId}/messages/devicebound/#`,
    '$iothub/methods/POST/#',
    '$iothub/twin/res/#',
    '$iothub/twin/PATCH/properties/desired/#',
  ];
}

/** Waits until every id in `ids` is acknowledged. */
async function allAcked(events: EventQueue<DeviceEvent>, ids: readonly number[], timeoutMs: number): Promise<void> {
  await Promise.all(ids.map((id) => events.nextOf('telemetry-acked', timeoutMs, (e) => e.id === id)));
}

/** Waits until the twin's reported `name` acknowledges desired `version`; returns it. */
async function reportedAck(hub: SimHub, deviceId: string, version: number, timeoutMs: number): Promise<unknown> {
  const ack = (): { av?: unknown } | undefined => hub.twin(deviceId).reported['targetTemperature'] as { av?: unknown } | undefined;
  await hub.waitUntil(() => ack()?.av === version, timeoutMs, `targetTemperature acknowledged at v${version}`);
  return ack();
}

/** Resolves with `promise`, or undefined after `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Prints one PASS/FAIL line per step and the hub's counters. */
function printSummary(log: LiveLog, results: readonly StepResult[], stats: SimHubStats | undefined): void {
  log.heading('Summary');
  for (const result of results) {
    const why = result.error === undefined ? '' : ` — ${result.error}`;
    log.plain(`  ${result.ok ? 'PASS' : 'FAIL'}  ${result.name} (${Math.round(result.ms)} ms)${why}`);
  }
  if (stats !== undefined) {
    log.plain(
      `  hub: ${stats.connectionsAccepted} connections accepted, ${stats.telemetryReceived} telemetry messages, ` +
        `${stats.c2dCompleted} C2D completed, ${stats.twinRequests} twin requests, ${stats.dpsAssignments} DPS assignment(s), ` +
        `${stats.ruleViolations} rule violations`,
    );
  }
  const ok = results.length > 0 && results.every((r) => r.ok);
  log.plain(ok ? `  all ${results.length} steps passed` : '  some steps FAILED');
}

// Run as a script (`tsx examples/demo.ts`), not when imported by the test.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // A last resort: whatever happens, the demo ends.
  setTimeout(() => {
    console.error('demo: did not finish within 60 s');
    process.exit(1);
  }, 60_000).unref();
  const summary = await main({ hubLog: process.argv.includes('--hub-log') });
  process.exit(summary.ok ? 0 : 1);
}

