/**
 * Error answers of the service API, in the shapes the real services send. IoT Hub:
 * `{"Message":"ErrorCode:DeviceNotFound;…","ExceptionMessage":"Tracking ID:…-TimeStamp:…"}` with an
 * `iothub-errorcode` header (the Node service SDK reads the code back from `Message`). DPS:
 * `{"errorCode":404201,"trackingId":…,"message":…,"timestampUtc":…}` (docs/protocol.md §13).
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** Error codes the simulator answers with: name → six-digit code (HTTP status × 1000 + detail). */
export const HUB_ERROR_CODES = {
  InvalidProtocolVersion: 400001,
  ArgumentInvalid: 400004,
  IotHubUnauthorizedAccess: 401002,
  DeviceMaximumQueueDepthExceeded: 403004,
  DeviceNotFound: 404001,
  ModuleNotFound: 404010,
  DeviceNotOnline: 404103,
  DeviceAlreadyExists: 409001,
  ModuleAlreadyExistsOnDevice: 409301,
  PreconditionFailed: 412001,
  MessageTooLarge: 413001,
  ServiceUnavailable: 503001,
  GatewayTimeout: 504101,
  // DPS (its error bodies carry the number only; which of the two DPS uses when is unconfirmed).
  EnrollmentNotFound: 404201,
  RegistrationNotFound: 404202,
  // Not IoT Hub codes: routes the real service would not have.
  NotFound: 404000,
  MethodNotAllowed: 405000,
  ServerError: 500001,
} as const;

/** A name of HUB_ERROR_CODES. */
export type HubErrorName = keyof typeof HUB_ERROR_CODES;

/** An error the service API answers with; thrown by handlers, written by writeServiceError. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  /** HTTP status. */
  readonly status: number;
  readonly code: HubErrorName;

  /** Creates the error; the HTTP status is the code's first three digits. */
  constructor(code: HubErrorName, message: string) {
    super(message);
    this.code = code;
    this.status = Math.floor(HUB_ERROR_CODES[code] / 1000);
  }

  /** The six-digit code. */
  get number(): number {
    return HUB_ERROR_CODES[this.code];
  }
}

/** Which service's error shape a route answers with. */
export type ErrorShape = 'hub' | 'dps';

/** The status, headers and JSON body of an error answer. */
export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** Shapes an error as IoT Hub or DPS would send it, stamped with `now` (ms). */
export function errorAnswer(error: ServiceError, shape: ErrorShape, now: number): ErrorAnswer {
  if (shape === 'dps') {
    return {
      status: error.status,
      headers: {},
      body: { errorCode: error.number, trackingId: randomUUID(), message: error.message, timestampUtc: new Date(now).toISOString() },
    };
  }
  const trackingId = randomBytes(16).toString('hex');
  return {
    status: error.status,
    headers: { 'iothub-errorcode': error.code },
    body: {
      Message: `ErrorCode:${error.code};${error.message}`,
      ExceptionMessage: `Tracking ID:${trackingId}-G:0-TimeStamp:${trackingTimestamp(new Date(now))}`,
    },
  };
}

/** `MM/dd/yyyy HH:mm:ss` in UTC, as IoT Hub's tracking ids carry it. */
function trackingTimestamp(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getUTCMonth() + 1)}/${two(date.getUTCDate())}/${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}
