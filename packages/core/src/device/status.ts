/**
 * Response status helpers for `$iothub/twin/res/{status}` and `$dps/registrations/res/{status}`
 * (docs/protocol.md §9, §13, §15), after azure-sdk-for-c's `az_iot_status_retriable`.
 */

/** Whether a response status means "try again later": 429 and 5xx. */
export function isRetriable(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Whether a response status is a success (2xx). */
export function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** The failure reason a non-2xx status maps to: 429 throttled, 5xx server error, anything else rejected. */
export function failureReason(status: number): 'throttled' | 'server-error' | 'rejected' {
  if (status === 429) return 'throttled';
  return status >= 500 && status <= 599 ? 'server-error' : 'rejected';
}
