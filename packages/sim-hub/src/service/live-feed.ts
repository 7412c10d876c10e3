/**
 * The dashboard's live view, one Server-Sent Events stream: `hello` once, then `devices` (every
 * identity with its connection state and twin versions) and `provisioning` (enrollments and
 * registrations) whenever they change, `telemetry` in batches, and `delivery` for each C2D send and
 * outcome. Snapshots are rebuilt at most every SNAPSHOT_MS and sent only when different, and
 * telemetry is flushed every FLUSH_MS, at most MAX_BATCH records each (the rest counted as
 * skipped), so a busy hub costs a watching browser a bounded amount.
 */
import type { TelemetryRecord } from '../telemetry-log.ts';
import { registrationsJson } from './dps-api.ts';
import { EventStream } from './event-stream.ts';
import { deliveryJson } from './messages-api.ts';
import { ANSWERED, HUB_API_VERSIONS, type RequestContext, type ServiceRuntime } from './router.ts';
import { isoTime } from './shapes.ts';
import { telemetryJson } from './telemetry-api.ts';

const SNAPSHOT_MS = 200;
/** Snapshots are also compared this often: changes made through the library API (an enrollment added in code) raise no hub event. */
const RESCAN_MS = 2000;
const FLUSH_MS = 200;
const MAX_BATCH = 200;
/** Identities listed in one `devices` event (the total is always given). */
const MAX_LISTED = 1000;

/** Every identity with what a person watching wants to see. */
function devicesSnapshot(runtime: ServiceRuntime): { total: number; items: Record<string, unknown>[] } {
  const { hub, presence } = runtime;
  const identities = hub.identities();
  const items = identities.slice(0, MAX_LISTED).map((identity) => {
    const seen = presence.get(identity.clientId);
    const twin = hub.serviceTwin(identity.deviceId, identity.moduleId);
    return {
      deviceId: identity.deviceId,
      ...(identity.moduleId === undefined ? {} : { moduleId: identity.moduleId }),
      connectionState: seen.connected ? 'Connected' : 'Disconnected',
      ...(seen.transport === undefined ? {} : { transport: seen.transport }),
      connectionStateUpdatedTime: isoTime(seen.changedAt),
      lastActivityTime: isoTime(seen.lastActivityAt),
      ...(seen.modelId === undefined ? {} : { modelId: seen.modelId }),
      authenticationType: identity.x509 ? 'certificateAuthority' : 'sas',
      cloudToDeviceMessageCount: hub.pendingMessages(identity.deviceId, identity.moduleId),
      twinVersion: twin.version,
      desiredVersion: twin.desired.$version,
      reportedVersion: twin.reported.$version,
    };
  });
  return { total: identities.length, items };
}

/** Enrollments and registrations, newest registrations last. */
function provisioningSnapshot(runtime: ServiceRuntime): Record<string, unknown> {
  const dps = runtime.hub.dps;
  return {
    idScope: dps.idScope,
    enrollments: dps.enrollments().map((enrollment) => ({
      kind: enrollment.kind,
      id: enrollment.id,
      ...(enrollment.deviceId === undefined ? {} : { deviceId: enrollment.deviceId }),
      attestation: enrollment.key === undefined ? 'x509' : 'symmetricKey',
      createdDateTimeUtc: isoTime(enrollment.createdAt),
    })),
    registrations: registrationsJson(dps.registrations().slice(-MAX_LISTED)),
  };
}

/** Opens the dashboard stream on this request. */
export function openLiveFeed(context: RequestContext): typeof ANSWERED {
  const { runtime } = context;
  const stream = new EventStream(context.request, context.response);
  runtime.streams.add(stream);
  stream.send('hello', {
    hostName: runtime.hub.hostName,
    idScope: runtime.hub.dps.idScope,
    apiVersion: HUB_API_VERSIONS[0],
    deliveries: runtime.deliveries.recent(100).map(deliveryJson),
  });

  const sent = { devices: '', provisioning: '' };
  let snapshotTimer: NodeJS.Timeout | undefined;
  const sendSnapshots = (): void => {
    snapshotTimer = undefined;
    for (const [event, snapshot] of [['devices', devicesSnapshot(runtime)], ['provisioning', provisioningSnapshot(runtime)]] as const) {
      const text = JSON.stringify(snapshot);
      if (text === sent[event]) continue;
      sent[event] = text;
      stream.send(event, snapshot);
    }
  };
  const scheduleSnapshots = (): void => {
    if (snapshotTimer !== undefined || stream.closed) return;
    snapshotTimer = setTimeout(sendSnapshots, SNAPSHOT_MS);
    snapshotTimer.unref();
  };
  sendSnapshots();
  const rescan = setInterval(scheduleSnapshots, RESCAN_MS);
  rescan.unref();

  const batch: TelemetryRecord[] = [];
  let skipped = 0;
  const flush = setInterval(() => {
    if (batch.length === 0 && skipped === 0) return;
    stream.send('telemetry', { items: batch.splice(0).map(telemetryJson), skipped });
    skipped = 0;
  }, FLUSH_MS);
  flush.unref();
  const records = runtime.hub.telemetryStream();
  void (async () => {
    for await (const record of records) {
      if (batch.length < MAX_BATCH) batch.push(record);
      else skipped++;
    }
    stream.close();
  })();

  const stops = [
    runtime.hub.onChange(scheduleSnapshots),
    runtime.presence.onChange(scheduleSnapshots),
    runtime.deliveries.onChange((record) => stream.send('delivery', deliveryJson(record))),
  ];
  runtime.changed.add(scheduleSnapshots);
  stream.onClose(() => {
    runtime.streams.delete(stream);
    runtime.changed.delete(scheduleSnapshots);
    for (const stop of stops) stop();
    clearTimeout(snapshotTimer);
    clearInterval(flush);
    clearInterval(rescan);
    void records.return?.();
  });
  return ANSWERED;
}
