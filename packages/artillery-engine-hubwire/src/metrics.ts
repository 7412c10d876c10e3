/**
 * Every metric the engine reports, by name, and the one place that emits them on Artillery's
 * scenario event emitter. Counters and histograms are merged across workers by Artillery;
 * histograms are in milliseconds.
 */
import type { ScenarioEvents } from './artillery/surface.ts';
import type { ErrorKind } from './errors.ts';

/** Counter names. */
export const COUNTERS = {
  connects: 'hubwire.connects',
  disconnects: 'hubwire.disconnects',
  provisioned: 'hubwire.provisioned',
  messagesSent: 'hubwire.messages_sent',
  messagesAcked: 'hubwire.messages_acked',
  payloadBytes: 'hubwire.payload_bytes',
  twinReads: 'hubwire.twin_reads',
  reportedPatches: 'hubwire.reported_patches',
  desiredPatches: 'hubwire.desired_patches',
  methodsReceived: 'hubwire.methods_received',
  methodsAnswered: 'hubwire.methods_answered',
  c2dReceived: 'hubwire.c2d_received',
  tokenRenewals: 'hubwire.token_renewals',
} as const;

/** Histogram names (milliseconds). */
export const HISTOGRAMS = {
  /** Socket open (TCP, TLS or WebSocket) to CONNACK. */
  connectTime: 'hubwire.connect_time',
  /** CONNACK to the SUBACK of the device's subscriptions. */
  subscribeTime: 'hubwire.subscribe_time',
  /** DPS: socket open to the assignment. */
  provisionTime: 'hubwire.provision_time',
  /** QoS 1 telemetry: publish (including time queued behind the in-flight window) to PUBACK. */
  ackLatency: 'hubwire.ack_latency',
  /** Twin GET or reported PATCH to the hub's answer. */
  twinLatency: 'hubwire.twin_latency',
  /** How long a `waitForC2d` step waited. */
  c2dWait: 'hubwire.c2d_wait_time',
} as const;

/** Messages sent per second, as an Artillery rate. */
export const SEND_RATE = 'hubwire.send_rate';

/** Prefix of the per-kind error counters (`hubwire.errors.ack_timeout`). */
export const ERROR_COUNTER_PREFIX = 'hubwire.errors.';

/** Prefix of the Artillery error code of a failed virtual user (`errors.hubwire.ack_timeout` in reports). */
export const ERROR_CODE_PREFIX = 'hubwire.';

/** Where a device reports what it measured. */
export interface MetricsSink {
  /** Adds `value` (default 1) to a counter. */
  count(name: (typeof COUNTERS)[keyof typeof COUNTERS], value?: number): void;
  /** Records one sample of a histogram, in ms. */
  time(name: (typeof HISTOGRAMS)[keyof typeof HISTOGRAMS], ms: number): void;
  /** Marks one message sent, for the send rate. */
  sent(): void;
  /** Counts an error of `kind` that does not end the virtual user by itself. */
  error(kind: ErrorKind): void;
}

/** A MetricsSink on Artillery's scenario events. */
export class ArtilleryMetrics implements MetricsSink {
  readonly #events: ScenarioEvents;

  /** Emits on `events`, the emitter `createScenario` received. */
  constructor(events: ScenarioEvents) {
    this.#events = events;
  }

  /** Adds to a counter. */
  count(name: string, value = 1): void {
    this.#events.emit('counter', name, value);
  }

  /** Records a histogram sample, rounded to 0.1 ms. */
  time(name: string, ms: number): void {
    this.#events.emit('histogram', name, Math.round(ms * 10) / 10);
  }

  /** Ticks the send rate. */
  sent(): void {
    this.#events.emit('rate', SEND_RATE);
  }

  /** Counts `hubwire.errors.<kind>`. */
  error(kind: ErrorKind): void {
    this.#events.emit('counter', ERROR_COUNTER_PREFIX + kind, 1);
  }

  /** Counts the error and reports it to Artillery, which counts `errors.hubwire.<kind>` and fails the user. */
  fail(kind: ErrorKind): void {
    this.error(kind);
    this.#events.emit('error', ERROR_CODE_PREFIX + kind);
  }
}
