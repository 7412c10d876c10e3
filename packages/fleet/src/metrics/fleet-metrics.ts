/**
 * What a fleet run counts: devices connected, telemetry sent and acknowledged, errors by kind,
 * reconnects, method calls and twin reports, two latency histograms (connect, acknowledgement),
 * and a per-second timeline for the charts. Counting is a few additions per event; the timeline
 * grows by one small record per second of the run.
 */
import { LatencyHistogram } from './histogram.ts';

/** One second of the run, for the charts and the live line. */
export interface TimelinePoint {
  /** Seconds since the run started. */
  readonly t: number;
  readonly connected: number;
  /** Telemetry sent per second since the previous point. */
  readonly sent: number;
  /** Telemetry acknowledged per second since the previous point. */
  readonly acked: number;
  /** Errors per second since the previous point. */
  readonly errors: number;
}

/** Counters and histograms of one run. */
export class FleetMetrics {
  /** Devices the run means to connect. */
  target = 0;
  /** Devices connected right now. */
  connected = 0;
  /** Devices opening a connection right now (stream, TLS handshake, DPS, CONNECT → CONNACK). */
  connecting = 0;
  /** Devices connected when the run ended (before they disconnected). */
  connectedAtEnd = 0;
  /** Devices that connected at least once. */
  everConnected = 0;
  sent = 0;
  acked = 0;
  /** QoS 1 messages sent and not acknowledged yet. */
  awaitingAck = 0;
  /** Devices that sent all their `--messages` and had them all acknowledged. */
  devicesDone = 0;
  /** QoS 1 messages still unacknowledged when the run stopped. */
  unackedAtEnd = 0;
  reconnects = 0;
  c2dReceived = 0;
  methodsAnswered = 0;
  desiredReceived = 0;
  reportedPatched = 0;
  /** When the run started, on the fleet's clock (ms). */
  t0 = 0;
  /** Ms from the start until every device had connected once. */
  rampDoneAt: number | undefined;
  /** When the ramp ended (every device started), on the fleet's clock (ms). */
  fullFleetSince: number | undefined;
  /** Telemetry sent and acknowledged by then, and how long the full fleet ran. */
  fullFleet: { sentBefore: number; ackedBefore: number; ms: number; sent: number; acked: number } | undefined;
  /** Times a device had a message due but its in-flight window was full. */
  inflightWaits = 0;
  readonly errors = new Map<string, number>();
  readonly connectLatency = new LatencyHistogram();
  readonly ackLatency = new LatencyHistogram();
  readonly timeline: TimelinePoint[] = [];
  #errorCount = 0;
  #last = { t: 0, sent: 0, acked: 0, errors: 0 };

  /** Counts a device's first connection (and notes when the last one came). */
  firstConnected(now: number): void {
    this.everConnected++;
    if (this.everConnected === this.target) this.rampDoneAt = now - this.t0;
  }

  /** Marks the end of the ramp: the full-fleet phase, which `--duration` times, starts at `now`. */
  fullFleetStarted(now: number): void {
    this.fullFleetSince = now;
    this.fullFleet = { sentBefore: this.sent, ackedBefore: this.acked, ms: 0, sent: 0, acked: 0 };
  }

  /** Marks the end of sending: what the full fleet sent and had acknowledged in its `ms`. */
  fullFleetEnded(now: number): void {
    if (this.fullFleet === undefined || this.fullFleetSince === undefined) return;
    const phase = this.fullFleet;
    this.fullFleet = { ...phase, ms: now - this.fullFleetSince, sent: this.sent - phase.sentBefore, acked: this.acked - phase.ackedBefore };
  }

  /** Counts one error of `kind` (e.g. `connect-refused: not-authorized`). */
  error(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    this.#errorCount++;
  }

  /** All errors so far. */
  get errorCount(): number {
    return this.#errorCount;
  }

  /** Adds a timeline point at `t` seconds (rates since the previous point) and returns it. */
  sample(t: number): TimelinePoint {
    const last = this.#last;
    const seconds = Math.max(t - last.t, 1e-3);
    const point = {
      t,
      connected: this.connected,
      sent: (this.sent - last.sent) / seconds,
      acked: (this.acked - last.acked) / seconds,
      errors: (this.#errorCount - last.errors) / seconds,
    };
    this.#last = { t, sent: this.sent, acked: this.acked, errors: this.#errorCount };
    this.timeline.push(point);
    return point;
  }
}
