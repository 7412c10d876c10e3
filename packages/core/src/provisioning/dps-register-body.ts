/** The body of a DPS register request (docs/protocol.md §13): the registration id and an optional custom payload. */
import { MAX_DPS_MESSAGE_BYTES } from '@hubwire/topics';
import { InvalidIntentError } from '../shared/errors.ts';
import { utf8 } from '../shared/json.ts';

/**
 * Body of the DPS register request: `{"registrationId":"…"}` or, with a custom payload,
 * `{"registrationId":"…","payload":…}` (docs/protocol.md §13; PnP sends `{"modelId":"dtmi:…;1"}`).
 * Throws InvalidIntentError when the payload has no JSON form or the body exceeds 96 KB.
 */
export function dpsRegisterBody(registrationId: string, payload?: unknown): Uint8Array {
  let payloadJson: string | undefined;
  if (payload !== undefined) {
    try {
      payloadJson = JSON.stringify(payload);
    } catch (error) {
      throw new InvalidIntentError('invalid-body', `register payload cannot be serialised as JSON: ${String(error)}`);
    }
    // JSON.stringify returns undefined for functions and symbols: nothing to send.
    if (payloadJson === undefined) {
      throw new InvalidIntentError('invalid-body', 'register payload must be a JSON value');
    }
  }
  const text =
    payloadJson === undefined
      ? `{"registrationId":${JSON.stringify(registrationId)}}`
      : `{"registrationId":${JSON.stringify(registrationId)},"payload":${payloadJson}}`;
  const body = utf8(text);
  if (body.length > MAX_DPS_MESSAGE_BYTES) {
    throw new InvalidIntentError(
      'payload-too-large',
      `register body is ${body.length} bytes; DPS accepts at most ${MAX_DPS_MESSAGE_BYTES} (docs/protocol.md §13)`,
    );
  }
  return body;
}
