/**
 * Reading device-to-cloud telemetry (the simulator's own routes: IoT Hub hands telemetry to Event
 * Hubs, which a local hub does not have): recent records as JSON, and a live Server-Sent Events
 * stream, both filterable by device (and module).
 */
import type { TelemetryRecord } from '../telemetry-log.ts';
import { ServiceError } from './errors.ts';
import { EventStream } from './event-stream.ts';
import { ANSWERED, type RequestContext, type Route } from './router.ts';
import { isoTime } from './shapes.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** A telemetry record as the API shows it: the body as text, properties decoded. */
export function telemetryJson(record: TelemetryRecord): Record<string, unknown> {
  return {
    sequence: record.sequence,
    deviceId: record.deviceId,
    ...(record.moduleId === undefined ? {} : { moduleId: record.moduleId }),
    enqueuedTimeUtc: isoTime(record.receivedAt),
    body: record.text,
    properties: record.properties,
    qos: record.qos,
    dup: record.dup,
    retain: record.retain,
    will: record.will,
  };
}

/** The device / module filter of a request. */
function filterOf(query: URLSearchParams): (record: TelemetryRecord) => boolean {
  const deviceId = query.get('deviceId');
  const moduleId = query.get('moduleId');
  return (record) => (deviceId === null || record.deviceId === deviceId) && (moduleId === null || record.moduleId === moduleId);
}

/** A whole-number query parameter in [min, max], or `fallback` when absent. */
function integerParameter(query: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ServiceError('ArgumentInvalid', `${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** Streams matching telemetry as `telemetry` events until the reader leaves or the handler closes. */
function streamTelemetry(context: RequestContext): typeof ANSWERED {
  const { runtime } = context;
  const matches = filterOf(context.query);
  const stream = new EventStream(context.request, context.response);
  const records = runtime.hub.telemetryStream();
  runtime.streams.add(stream);
  stream.onClose(() => {
    runtime.streams.delete(stream);
    void records.return?.();
  });
  void (async () => {
    for await (const record of records) if (matches(record)) stream.send('telemetry', telemetryJson(record));
    stream.close();
  })();
  return ANSWERED;
}

/** The telemetry routes. */
export const telemetryRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/simhub/telemetry',
    family: 'sim',
    handler: async ({ runtime, query }) => {
      const after = integerParameter(query, 'after', 0, Number.MAX_SAFE_INTEGER, 0);
      const limit = integerParameter(query, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT);
      const matches = filterOf(query);
      const records = runtime.hub.telemetry((record) => record.sequence > after && matches(record));
      const page = records.slice(-limit);
      return { status: 200, body: { items: page.map(telemetryJson), lastSequence: page.at(-1)?.sequence ?? after } };
    },
  },
  { method: 'GET', path: '/simhub/telemetry/stream', family: 'sim', handler: async (context) => streamTelemetry(context) },
];
