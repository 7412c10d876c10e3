/**
 * CONNACK return codes (MQTT 3.1.1 §3.2.2.3) as IoT Hub uses them. The hub documents no mapping
 * of its own; the handling follows the C and C# SDKs (docs/protocol.md §2 table, §15).
 */
import type { BackoffReason } from '../shared/backoff.ts';
import { describe, InvalidIntentError } from '../shared/errors.ts';
import type { ConnectRefusedReason } from './events.ts';

/** Names of return codes 1–5, index = code. */
const REASONS: readonly ConnectRefusedReason[] = [
  'unknown', // 0 is acceptance, never a refusal
  'unacceptable-protocol-version', // 1: fatal
  'identifier-rejected', // 2: fatal (C SDK: bad credential)
  'server-unavailable', // 3: retry with back-off
  'bad-username-or-password', // 4: fatal until the credentials change
  'not-authorized', // 5: bad/expired SAS or disabled device (unconfirmed); slow retry at most
];

// Every refusal is a reason ReconnectBackoff knows: this line stops compiling when one is missing there.
REASONS satisfies readonly BackoffReason[];

/** Throws InvalidIntentError `invalid-return-code` unless `returnCode` is a byte (0–255), as CONNACK carries it. */
function checkReturnCode(returnCode: unknown): void {
  if (!(Number.isInteger(returnCode) && (returnCode as number) >= 0 && (returnCode as number) <= 255)) {
    throw new InvalidIntentError('invalid-return-code', `a CONNACK return code is an integer 0–255, got ${describe(returnCode)}`);
  }
}

/** The name of a refusing CONNACK return code; codes 6–255 (reserved by MQTT) are `unknown`. */
export function connectRefusedReason(returnCode: number): ConnectRefusedReason {
  checkReturnCode(returnCode);
  return (returnCode >= 1 && returnCode <= 5 ? REASONS[returnCode] : undefined) ?? 'unknown';
}

/**
 * Whether retrying the same CONNECT can succeed: 3 (server unavailable) and 5 (not authorized:
 * a token can expire or a device be re-enabled, so a slow retry, docs/protocol.md §15) yes; 1, 2, 4
 * no; reserved codes no.
 */
export function isConnectRetriable(returnCode: number): boolean {
  checkReturnCode(returnCode);
  return returnCode === 3 || returnCode === 5;
}
