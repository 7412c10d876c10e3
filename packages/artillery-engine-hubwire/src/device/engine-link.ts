/**
 * One hubwire engine on one stream: opens the stream within a deadline, feeds it through
 * @hubwire/node's DriveLoop, and closes it exactly once. Used by the device and by DPS alike.
 */
import { DriveLoop, type ByteStream, type Drivable } from '@hubwire/node';
import { socketFailure, type Dialer } from './transport.ts';

/** How long `close` waits for the peer to close its side before giving up on it. */
const CLOSE_GRACE_MS = 2000;

/** An engine, its drive loop and at most one stream. */
export class EngineLink<E> {
  /** The drive loop: call intents through `loop.act` so their bytes leave at once. */
  readonly loop: DriveLoop<E>;
  #stream: ByteStream | undefined;
  #onStreamClosed: (() => void) | undefined;

  /** Drives `engine`, handing every event to `onEvent`. */
  constructor(engine: Drivable<E>, onEvent: (event: E) => void) {
    this.loop = new DriveLoop<E>(engine, { onEvent });
  }

  /** The loop's clock (ms, monotonic). */
  now(): number {
    return this.loop.now();
  }

  /** Opens a stream with `dial` and attaches it; throws a ScenarioError naming the socket's failure. */
  async open(dial: Dialer, timeoutMs: number): Promise<void> {
    let stream: ByteStream | undefined;
    const opening = dial.connector({
      onData: (chunk) => {
        if (stream !== undefined && this.loop.stream === stream) this.loop.receive(chunk);
      },
      onClose: (reason) => {
        const live = stream !== undefined && this.loop.stream === stream;
        if (stream === this.#stream) {
          this.#stream = undefined;
          this.#onStreamClosed?.();
        }
        if (live) this.loop.connectionLost(reason);
      },
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      stream = await Promise.race([opening, deadline]);
    } catch (error) {
      opening.then((late) => late.close(), () => undefined); // a socket that opens after the deadline is closed
      throw socketFailure(dial.lastError() ?? error, dial.label);
    } finally {
      clearTimeout(timer);
    }
    this.#stream = stream;
    this.loop.attach(stream);
  }

  /** Whether a stream is open. */
  get isOpen(): boolean {
    return this.#stream !== undefined;
  }

  /** Closes the stream and stops the loop's timer for good. */
  async close(): Promise<void> {
    await this.closeStream();
    this.loop.close();
  }

  /** Closes the stream (after what was written) and waits for it to close (≤ 2 s); the loop can take another. */
  async closeStream(): Promise<void> {
    const stream = this.#stream;
    this.loop.detach();
    if (stream !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#onStreamClosed = resolve;
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
        stream.close();
      });
      clearTimeout(timer);
      this.#stream = undefined;
      this.#onStreamClosed = undefined;
    }
  }
}
