/** The body of a DPS register request (docs/protocol.md §13): the registration id and an optional custom payload. */
import { MAX_DPS_MESSAGE_BYTES } from '@hubwire/topics';
import { InvalidIntentError } from '../shared/errors.ts';
import { utf8 } from '../shared/json.ts';
import { checkJsonValue } from '../shared/json-value.ts';

/**
 * Body of the DPS register request: `{"registrationId":"…"}` or, with a custom payload,
 * `{"registrationId":"…","payload":…}` (docs/protocol.md §13; PnP sends `{"modelId":"dtmi:…;1"}`).
 * Throws InvalidIntentError `invalid-body` when JSON cannot carry the payload faithfully (NaN, a Date, a
 * Map, …), `payload-too-large` when the body exceeds 96 KB.
 */
export function dpsRegisterBody(registrationId: string, payload?: unknown): Uint8Array {
  const registration = `{"registrationId":${JSON.stringify(registrationId)}`;
  const body = payload === undefined ? utf8(`${registration}}`) : jsonWith(registration, payload);
  if (body.length > MAX_DPS_MESSAGE_BYTES) {
    throw new InvalidIntentError(
      'payload-too-large',
      `register body is ${body.length} bytes; DPS accepts at most ${MAX_DPS_MESSAGE_BYTES} (docs/protocol.md §13)`,
    );
  }
  return body;
}

/** `{…,"payload":…}` with `payload` checked as JSON that survives the trip unchanged (shared/json-value.ts). */
function jsonWith(registration: string, payload: unknown): Uint8Array {
  checkJsonValue(payload, 'the register payload');
  return utf8(`${registration},"payload":${JSON.stringify(payload)}}`);
}
