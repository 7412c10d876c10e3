/**
 * The drive loop, shaped like quinn's `drive_timer`/`drive_transmit` (docs/design.md "The Node drivers"): after every
 * input, drain `pollTransmit()` to the stream, arm ONE platform timer for `pollTimeout()`, and
 * drain `pollEvent()` to the application. On wake, `handleTimeout(clock())`. It works for any
 * hubwire engine (DeviceEngine, ProvisioningEngine) and any ByteStream.
 *
 * The loop holds no protocol state. The only extra it knows is one optional driver deadline
 * (e.g. "reconnect at"), folded into the same timer so a client never runs two.
 */
import type { ByteStream } from './byte-stream.ts';

/** The driver-facing surface both engines share (docs/design.md "The engine surface"). */
export interface Drivable<E> {
  receive(now: number, chunk: Uint8Array): void;
  pollTransmit(): Uint8Array | undefined;
  pollEvent(): E | undefined;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  connectionLost(now: number, reason?: string): void;
}

/** A monotonic millisecond clock; `performance.now()` by default. */
export type Clock = () => number;

/** The default clock: monotonic, so a wall-clock step never fires or starves a deadline. */
export const monotonicClock: Clock = () => performance.now();

/** Moves bytes, time and events between one engine, one stream at a time, and the app. */
export class DriveLoop<E> {
  readonly #engine: Drivable<E>;
  readonly #clock: Clock;
  readonly #onEvent: (event: E) => void;
  #stream: ByteStream | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #wakeAt: number | undefined;
  #onWake: (() => void) | undefined;
  #pumping = false;
  #again = false;
  #closed = false;

  /** Drives `engine`; `onEvent` gets every event, in order, from inside `pump()`. */
  constructor(engine: Drivable<E>, options: { onEvent: (event: E) => void; clock?: Clock }) {
    this.#engine = engine;
    this.#onEvent = options.onEvent;
    this.#clock = options.clock ?? monotonicClock;
  }

  /** The loop's clock reading (what `now` is passed to the engine). */
  now(): number {
    return this.#clock();
  }

  /** The stream transmit bytes go to, if any. */
  get stream(): ByteStream | undefined {
    return this.#stream;
  }

  /** Makes `stream` the transmit target. */
  attach(stream: ByteStream): void {
    this.#stream = stream;
  }

  /** Stops writing to the current stream and returns it (the caller closes it). */
  detach(): ByteStream | undefined {
    const stream = this.#stream;
    this.#stream = undefined;
    return stream;
  }

  /** Feeds received bytes to the engine, then pumps. */
  receive(chunk: Uint8Array): void {
    this.#engine.receive(this.#clock(), chunk);
    this.pump();
  }

  /** Tells the engine the stream closed, then pumps. */
  connectionLost(reason: string): void {
    this.#stream = undefined;
    this.#engine.connectionLost(this.#clock(), reason);
    this.pump();
  }

  /** Runs an intent with the current `now`, then pumps; returns the intent's result (or throws its error). */
  act<T>(intent: (now: number) => T): T {
    try {
      return intent(this.#clock());
    } finally {
      this.pump();
    }
  }

  /** Calls `onWake` at `at` (one slot; `undefined` clears it), on the same timer as the engine's deadline. */
  wakeAt(at: number | undefined, onWake?: () => void): void {
    this.#wakeAt = at;
    this.#onWake = at === undefined ? undefined : onWake;
    this.#arm();
  }

  /**
   * Drains transmit to the stream (or drops it when no stream is attached: those bytes belonged
   * to a connection that is gone), re-arms the timer, then drains events to the app. Transmit is
   * flushed even from inside an event handler, so an intent's bytes leave before the handler
   * returns (e.g. DISCONNECT before the handler closes the stream); a nested call leaves the
   * events to the running pump, which goes round again.
   */
  pump(): void {
    this.#flushTransmit();
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        for (let event = this.#engine.pollEvent(); event !== undefined; event = this.#engine.pollEvent()) {
          this.#onEvent(event);
        }
        this.#flushTransmit();
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Writes everything the engine queued as one batch, then re-arms the timer. A large PUBLISH comes
   * as its header and the application's own body (DeviceEngine.pollTransmit); a corked socket hands
   * the whole batch to one writev, so that body reaches the kernel uncopied.
   */
  #flushTransmit(): void {
    const chunks: Uint8Array[] = [];
    for (let bytes = this.#engine.pollTransmit(); bytes !== undefined; bytes = this.#engine.pollTransmit()) {
      chunks.push(bytes);
    }
    if (chunks.length > 0) this.#stream?.write(chunks);
    this.#arm();
  }

  /** Clears the timer for good; later pumps no longer arm it. */
  close(): void {
    this.#closed = true;
    this.#wakeAt = undefined;
    this.#onWake = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** Keeps exactly one platform timer, set for min(engine deadline, driver deadline). */
  #arm(): void {
    if (this.#closed) return;
    const at = Math.min(this.#engine.pollTimeout() ?? Infinity, this.#wakeAt ?? Infinity);
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Infinity) return;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(at - this.#clock())));
  }

  /** Timer callback: run the engine's timers and the driver's wake-up if due, then pump. */
  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock();
    // handleTimeout is idempotent and ignores early calls (docs/design.md "The engine surface"), so
    // waking a bit early is harmless.
    this.#engine.handleTimeout(now);
    if (this.#wakeAt !== undefined && this.#wakeAt <= now) {
      const onWake = this.#onWake;
      this.#wakeAt = undefined;
      this.#onWake = undefined;
      onWake?.();
    }
    this.pump();
  }
}
