/**
 * Response status helpers for `$iothub/twin/res/{status}` and `$dps/registrations/res/{status}`
 * (docs/protocol.md §9, §13, §15), after azure-sdk-for-c's `az_iot_status_retriable`.
 */
import { describe, InvalidIntentError } from '../shared/errors.ts';

/** Throws InvalidIntentError `invalid-status` unless `status` is an integer (a response topic's status). */
function checkStatus(status: unknown): void {
  if (!Number.isInteger(status)) throw new InvalidIntentError('invalid-status', `a status is an integer, got ${describe(status)}`);
}

/** Whether a response status means "try again later": 429 and 5xx; throws InvalidIntentError `invalid-status` for a non-integer. */
export function isRetriable(status: number): boolean {
  checkStatus(status);
  return status === 429 || (status >= 500 && status <= 599);
}

/** Whether a response status is a success (2xx); throws InvalidIntentError `invalid-status` for a non-integer. */
export function isSuccess(status: number): boolean {
  checkStatus(status);
  return status >= 200 && status <= 299;
}

/** The failure reason a non-2xx status maps to: 429 throttled, 5xx server error, anything else rejected; throws for a non-integer. */
export function failureReason(status: number): 'throttled' | 'server-error' | 'rejected' {
  checkStatus(status);
  if (status === 429) return 'throttled';
  return status >= 500 && status <= 599 ? 'server-error' : 'rejected';
}
