/**
 * Server-Sent Events on a plain response: `event:` / `data:` frames, a comment every HEARTBEAT_MS so
 * proxies and idle timers keep the stream open, and a bound on what a slow reader can make us buffer:
 * past MAX_BUFFERED bytes, events are dropped and counted, and the reader is told how many.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const HEARTBEAT_MS = 15_000;
/** Bytes a stream may have waiting in the socket before events are dropped. */
const MAX_BUFFERED = 1024 * 1024;

/** One open event stream. */
export class EventStream {
  readonly #response: ServerResponse;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #closeHandlers: (() => void)[] = [];
  #dropped = 0;
  #closed = false;

  /** Answers `request` with 200 text/event-stream and keeps it open until either side closes. */
  constructor(request: IncomingMessage, response: ServerResponse) {
    this.#response = response;
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write(': stream open\n\n');
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
    request.once('close', () => this.close());
    response.once('close', () => this.close());
  }

  /** True once closed by either side. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one event with a JSON payload (dropped, and counted, when the reader is too far behind). */
  send(event: string, data: unknown): void {
    if (this.#closed) return;
    if (this.#response.writableLength > MAX_BUFFERED) {
      this.#dropped++;
      return;
    }
    if (this.#dropped > 0) {
      const dropped = this.#dropped;
      this.#dropped = 0;
      this.#write(`event: dropped\ndata: ${JSON.stringify({ count: dropped })}\n\n`);
    }
    this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Runs `handler` once when the stream closes. */
  onClose(handler: () => void): void {
    if (this.#closed) handler();
    else this.#closeHandlers.push(handler);
  }

  /** Ends the stream. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#response.end();
    for (const handler of this.#closeHandlers.splice(0)) handler();
  }

  #write(text: string): void {
    if (!this.#closed && !this.#response.destroyed) this.#response.write(text);
  }
}
