/**
 * Error bodies shaped like IoT Hub's: `{"errorCode":400004,"trackingId":"…","message":"…","timestampUtc":"…"}`.
 * The six-digit code is the HTTP-like status times 1000 plus a detail number (docs/protocol.md §13).
 * Device SDKs read `errorCode` to tell a failed twin request from a successful one: an empty body
 * reads as success.
 */
import { randomBytes } from 'node:crypto';

/** The detail codes the simulator uses, by status (IoT Hub's own where it is known, else `status × 1000 + 1`). */
const ERROR_CODES: Readonly<Record<number, number>> = {
  400: 400004, // ArgumentInvalid
  401: 401002, // IotHubUnauthorizedAccess
  404: 404001, // DeviceNotFound
  412: 412002, // PreconditionFailed
  413: 413002, // MessageTooLarge
  429: 429001, // ThrottlingException
  500: 500001, // ServerError
  503: 503001, // ServiceUnavailable
  504: 504101, // GatewayTimeoutException
};

/** An IoT Hub error body. */
export interface HubErrorBody {
  readonly errorCode: number;
  readonly trackingId: string;
  readonly message: string;
  readonly timestampUtc: string;
}

/** The error body for `status` with a readable `message`, stamped with `nowMs` (hub clock). */
export function hubErrorBody(status: number, message: string, nowMs: number, errorCode: number = ERROR_CODES[status] ?? status * 1000 + 1): HubErrorBody {
  return { errorCode, trackingId: randomBytes(16).toString('hex'), message, timestampUtc: new Date(nowMs).toISOString() };
}
