/**
 * The checks of what a driver hands both engines besides `now` (shared/now.ts): the bytes of
 * `receive` and the reason of `connectionLost`. A wrong one is the driver's bug, not the broker's,
 * so it throws InvalidIntentError and the connection stays as it was.
 */
import { describe, InvalidIntentError } from '../shared/errors.ts';

/** Throws InvalidIntentError `invalid-chunk` unless `chunk` is bytes: a Uint8Array or any other ArrayBufferView. */
export function checkChunk(chunk: unknown): void {
  if (!ArrayBuffer.isView(chunk)) {
    const hint = chunk instanceof ArrayBuffer ? ' (wrap an ArrayBuffer in a Uint8Array)' : '';
    throw new InvalidIntentError('invalid-chunk', `receive needs bytes (a Uint8Array), got ${describe(chunk)}${hint}`);
  }
}

/** Throws InvalidIntentError `invalid-reason` unless `reason` is undefined or a string. */
export function checkReason(reason: unknown): void {
  if (reason !== undefined && typeof reason !== 'string') {
    throw new InvalidIntentError('invalid-reason', `connectionLost's reason is free text (a string), got ${describe(reason)}`);
  }
}
