/**
 * A fleet run from start to summary: identities (and the embedded hub), a first device that must
 * connect (so a wrong key or an unreachable hub ends the run at once with a clear message), the
 * ramp at `--connect-rate`, one interval that advances the shared timer wheel and samples the
 * timeline, and the end: every device done (`--messages`), or `--duration` after the ramp
 * ended (every device started), sending stopped and up to `--drain` for the acknowledgements
 * still in flight; then DISCONNECT, teardown, summary.
 */
import { deriveGroupKey } from '@hubwire/sas';
import { dpsAuth, hubConnector, provision, ProvisioningError } from '@hubwire/node';
import { FleetConnectError } from '../config/config-error.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { PayloadTemplate } from '../config/payload-template.ts';
import type { HubStats } from '../hub/hub-protocol.ts';
import { resolveIdentities } from '../identities/resolve-identities.ts';
import type { DeviceIdentity } from '../identities/identity.ts';
import { FleetMetrics } from '../metrics/fleet-metrics.ts';
import { ProcessSampler } from '../metrics/process-sampler.ts';
import { connectorsFor } from './connectors.ts';
import type { FleetContext } from './fleet-context.ts';
import { errorKind, FleetDevice } from './fleet-device.ts';
import { InProcessHub } from './in-process-hub.ts';
import { Ramp } from './ramp.ts';
import { planSources } from './socket-limits.ts';
import { ServiceLoad } from './service-load.ts';
import { TimerWheel } from './timer-wheel.ts';

/** Wheel resolution: deadlines fire at most this late. */
const TICK_MS = 10;
/** CPU time a tick may spend starting devices; the rest of the tick is for the devices already running. */
const RAMP_BUDGET_MS = 8;

/** What a run reports as it goes. */
export interface FleetHooks {
  /** A line for the log (setup, the first device, the end). */
  log(line: string): void;
  /** Called once a second with the metrics. */
  onSecond?(metrics: FleetMetrics, elapsedMs: number): void;
  /** Called once the run is under way (metrics exist), e.g. to serve them. */
  onStart?(metrics: FleetMetrics, sampler: ProcessSampler): void;
}

/** What a finished run hands to the summary and the report. */
export interface FleetResult {
  readonly config: FleetConfig;
  readonly metrics: FleetMetrics;
  readonly process: ProcessSampler;
  readonly startedAt: Date;
  readonly elapsedMs: number;
  /** Time from the first connect to the last device connected, when all did. */
  readonly rampMs: number | undefined;
  readonly serviceLoad?: ServiceLoad;
  readonly hubLabel: string;
  /** The embedded hub's process: its CPU, memory and busy share, read just before it closed. */
  readonly hubProcess?: HubStats;
}

/** Runs the fleet `config` describes; rejects with FleetConfigError or FleetConnectError for a run that cannot start. */
export async function runFleet(config: FleetConfig, hooks: FleetHooks): Promise<FleetResult> {
  const metrics = new FleetMetrics();
  metrics.target = config.devices;
  const sampler = new ProcessSampler();
  const { identities, embedded } = await resolveIdentities(config, hooks.log);
  const network = config.inProcess ? new InProcessHub() : undefined;
  const connectorFor =
    network !== undefined
      ? (() => {
          const connector = network.connector();
          return () => connector;
        })()
      : connectorsFor(
          config,
          embedded === undefined ? undefined : { host: embedded.host, port: embedded.port, ca: embedded.ca },
          planSources(config.devices, embedded?.host ?? config.hub?.host, config.sourceAddresses, hooks.log),
        );
  const hubLabel = network !== undefined ? 'in-process simulated network (no sockets)' : embedded !== undefined ? `embedded simulated hub, ${config.transport}` : config.hub?.host ?? identities[0]?.hostName ?? identities[0]?.dps?.host ?? '?';
  const now = (): number => performance.now();
  const wheel = new TimerWheel<FleetDevice>(now(), TICK_MS);
  const template = new PayloadTemplate(config.payload, config.size, Math.random);
  const perDevice: (Uint8Array | undefined)[] = [];
  const context: FleetContext = {
    config: {
      rate: config.rate,
      intervalMs: config.rate > 0 ? 1000 / config.rate : Infinity,
      ...(config.messages === undefined ? {} : { messagesPerDevice: config.messages }),
      qos: config.qos,
      inflight: config.inflight,
      twinReport: config.twinReport,
      tokenTtlSeconds: 3600,
      backoff: { baseMs: 1000, maxMs: 30_000 },
    },
    metrics,
    wheel,
    // Rid prefixes need no cryptographic randomness, and crypto.getRandomValues (the default) was 6 % of a 40 000-device profile.
    engineOptions: { keepAliveSeconds: config.keepAliveSeconds, maxInFlight: Math.max(config.inflight, 1), maxQueued: Math.max(config.inflight, 16), random: Math.random },
    telemetryOptions: { qos: config.qos, contentType: 'application/json', contentEncoding: 'utf-8' },
    now,
    random: Math.random,
    payload: (device, seq) => {
      if (template.isShared) return template.render('', 0, 0);
      if (!template.isPerMessage) return (perDevice[device.index] ??= template.render(device.identity.deviceId, config.start + device.index, 0));
      return template.render(device.identity.deviceId, config.start + device.index, seq);
    },
    connectorFor,
    provision: (identity) => provisionIdentity(identity, config, embedded?.ca ?? config.ca),
    answerMethod: (device, rid) => {
      const answer = (): void => device.respondMethod(rid, config.methodStatus, { status: config.methodStatus });
      if (config.methodDelayMs > 0) setTimeout(answer, config.methodDelayMs);
      else answer();
    },
  };
  const devices = identities.map((identity, index) => new FleetDevice(context, index, identity));
  const startedAt = new Date();
  const t0 = now();
  metrics.t0 = t0;
  metrics.sample(0); // the charts start at zero, not at the first full second
  let timer: ReturnType<typeof setInterval> | undefined;
  let serviceLoad: ServiceLoad | undefined;
  let hubProcess: HubStats | undefined;
  try {
    await firstDevice(devices[0] as FleetDevice, context, config, hooks);
    hooks.onStart?.(metrics, sampler);
    serviceLoad = embedded !== undefined && config.serviceRate > 0 ? new ServiceLoad(embedded.service, devices, config.serviceRate) : undefined;
    const ramp = new Ramp(devices.length, config.connectRate, RAMP_BUDGET_MS, now, 1);
    ramp.begin(t0);
    const ended = new Promise<void>((resolve) => {
      let lastSecond = t0;
      let drainingSince: number | undefined;
      timer = setInterval(() => {
        const at = now();
        if (drainingSince === undefined) {
          const room = config.maxConnecting === 0 ? Infinity : config.maxConnecting - metrics.connecting;
          ramp.advance(at, (index) => (devices[index] as FleetDevice).start(), room);
        }
        wheel.advance(at, (device) => device.wake(at));
        if (at - lastSecond >= 1000) {
          lastSecond = at;
          metrics.sample((at - t0) / 1000);
          sampler.sample();
          serviceLoad?.tick();
          hooks.onSecond?.(metrics, at - t0);
        }
        if (drainingSince !== undefined) {
          if (metrics.awaitingAck === 0 || at - drainingSince >= config.drainMs) resolve();
          return;
        }
        if (config.messages !== undefined && ramp.done && metrics.devicesDone === devices.length) return resolve();
        if (metrics.fullFleetSince === undefined && ramp.done) {
          metrics.fullFleetStarted(at);
          const timed = config.durationMs === undefined ? '' : `; running for ${config.durationMs / 1000} s from now`;
          hooks.log(`ramp done in ${((at - t0) / 1000).toFixed(1)} s: ${metrics.connected} connected, ${metrics.connecting} connecting${timed}`);
        }
        const since = metrics.fullFleetSince;
        if (config.durationMs !== undefined && since !== undefined && at - since >= config.durationMs) {
          // Time is up: no new messages, but those in flight get `--drain` to be acknowledged.
          for (const device of devices) device.finishSending();
          metrics.fullFleetEnded(at);
          if (metrics.awaitingAck === 0 || config.drainMs === 0) return resolve();
          drainingSince = at;
          hooks.log(`time is up: sending stopped, waiting up to ${config.drainMs / 1000} s for ${metrics.awaitingAck} acknowledgements`);
        }
      }, TICK_MS);
    });
    await ended;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    metrics.connectedAtEnd = metrics.connected;
    metrics.unackedAtEnd = metrics.awaitingAck;
    // The last point still shows the fleet connected; over a sliver of a second its rates would be noise.
    const lastT = metrics.timeline[metrics.timeline.length - 1]?.t ?? 0;
    if ((now() - t0) / 1000 - lastT >= 0.5) metrics.sample((now() - t0) / 1000);
    for (const device of devices) device.stop();
    await serviceLoad?.settle();
    hubProcess = await embedded?.stats().catch(() => undefined);
    // Let DISCONNECTs leave before the hub goes away.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await embedded?.close();
  }
  const elapsedMs = now() - t0;
  sampler.sample();
  return {
    config,
    metrics,
    process: sampler,
    startedAt,
    elapsedMs,
    rampMs: metrics.rampDoneAt,
    ...(serviceLoad === undefined ? {} : { serviceLoad }),
    hubLabel,
    ...(hubProcess === undefined ? {} : { hubProcess }),
  };
}

/** Connects device 0 alone first: the run goes on only when the hub is reachable and accepts the credentials. */
async function firstDevice(device: FleetDevice, context: FleetContext, config: FleetConfig, hooks: FleetHooks): Promise<void> {
  const outcome = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new FleetConnectError(`the first device (${device.identity.deviceId}) did not connect within ${config.connectTimeoutMs / 1000} s: is the hub reachable?`)),
      config.connectTimeoutMs,
    );
    const done = (error?: Error): void => {
      clearTimeout(timer);
      context.onConnected = undefined;
      context.onRefused = undefined;
      context.onOpenFailed = undefined;
      if (error === undefined) resolve();
      else reject(error);
    };
    context.onConnected = () => done();
    context.onRefused = (_, reason, code) =>
      done(new FleetConnectError(`the hub refused ${device.identity.deviceId}: ${reason} (CONNACK ${code}) — check the device keys or connection strings`));
    context.onOpenFailed = (_, error) => done(new FleetConnectError(`cannot reach the hub for ${device.identity.deviceId}: ${describeOpenFailure(error)}`));
  });
  const drive = setInterval(() => context.wheel.advance(context.now(), (d) => d.wake(context.now())), TICK_MS);
  try {
    device.start();
    await outcome;
    hooks.log(`first device ${device.identity.deviceId} connected in ${context.metrics.connectLatency.max.toFixed(1)} ms`);
  } catch (error) {
    device.stop();
    throw error;
  } finally {
    clearInterval(drive);
  }
}

function describeOpenFailure(error: unknown): string {
  if (error instanceof FleetConnectError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const kind = errorKind(error);
  return kind === message ? message : `${kind} (${message})`;
}

/** Registers through DPS (deriving the device key from the group key), and returns the identity with its assigned hub. */
async function provisionIdentity(identity: DeviceIdentity, config: FleetConfig, ca: string | undefined): Promise<DeviceIdentity> {
  const dps = identity.dps;
  if (dps === undefined) throw new Error(`${identity.deviceId} has neither a hub nor a DPS registration`);
  const key = dps.key ?? (await deriveGroupKey(dps.groupKey as string, identity.deviceId));
  const transport = config.transport === 'tls' ? 'tls' : config.transport === 'tcp' ? 'tcp' : 'websocket';
  try {
    const assigned = await provision({
      connector: hubConnector({
        host: dps.host,
        ...(dps.port === undefined ? {} : { port: dps.port }),
        transport,
        secure: config.transport === 'wss',
        ...(ca === undefined ? {} : { ca }),
      }),
      engineOptions: { idScope: dps.idScope, registrationId: identity.deviceId },
      auth: dpsAuth(dps.idScope, identity.deviceId, key),
    });
    return { deviceId: assigned.deviceId, hostName: assigned.assignedHub, key };
  } catch (error) {
    if (error instanceof ProvisioningError && error.event?.type === 'connect-failed') {
      throw new FleetConnectError(`DPS refused ${identity.deviceId}: ${error.event.reason} (CONNACK ${error.event.returnCode}) — check --dps-id-scope and --dps-group-key`);
    }
    throw error instanceof ProvisioningError ? new FleetConnectError(`DPS registration of ${identity.deviceId} failed: ${error.message}`) : error;
  }
}
