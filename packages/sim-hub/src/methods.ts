/**
 * Direct-method calls in flight (docs/protocol.md §10): each waits for the device's
 * `$iothub/methods/res/{status}/?$rid={rid}` or its timeout; a late response is dropped.
 */

/** The device's answer: the status it chose and its JSON payload (null for an empty body). */
export interface MethodResult {
  readonly status: number;
  readonly payload: unknown;
}

/** Why invokeMethod failed, with the HTTP-like status the IoT Hub service API would give. */
export class MethodInvocationError extends Error {
  /** 404: device offline or not subscribed to methods; 504: no response in time; 503: hub closed. */
  readonly status: 404 | 503 | 504;
  readonly code: 'device-offline' | 'timeout' | 'hub-closed';

  constructor(code: 'device-offline' | 'timeout' | 'hub-closed', message: string) {
    super(message);
    this.name = 'MethodInvocationError';
    this.code = code;
    this.status = code === 'device-offline' ? 404 : code === 'timeout' ? 504 : 503;
  }
}

interface PendingCall {
  readonly resolve: (result: MethodResult) => void;
  readonly reject: (error: MethodInvocationError) => void;
  readonly timer: NodeJS.Timeout;
}

/** Pending calls keyed by client id and `$rid`. */
export class MethodCalls {
  readonly #pending = new Map<string, PendingCall>();
  #nextRid = 1;

  /** Registers a call; returns its `$rid` and the promise the response (or timeout) settles. */
  start(clientId: string, timeoutMs: number, describe: string): { rid: string; result: Promise<MethodResult> } {
    const rid = (this.#nextRid++).toString(16);
    const key = `${clientId}\n${rid}`;
    const result = new Promise<MethodResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        reject(new MethodInvocationError('timeout', `${describe}: no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(key, { resolve, reject, timer });
    });
    return { rid, result };
  }

  /** Completes a call with the device's response; false when no call waits for that `$rid` (late or unknown). */
  complete(clientId: string, rid: string, status: number, body: Uint8Array): boolean {
    const key = `${clientId}\n${rid}`;
    const call = this.#pending.get(key);
    if (call === undefined) return false;
    this.#pending.delete(key);
    clearTimeout(call.timer);
    call.resolve({ status, payload: decodePayload(body) });
    return true;
  }

  /** Fails every pending call (the hub is closing). */
  abortAll(): void {
    for (const call of this.#pending.values()) {
      clearTimeout(call.timer);
      call.reject(new MethodInvocationError('hub-closed', 'the simulated hub closed'));
    }
    this.#pending.clear();
  }
}

/** JSON body → value; empty → null; not JSON → the text, as the service would surface it. */
function decodePayload(body: Uint8Array): unknown {
  if (body.length === 0) return null;
  const text = new TextDecoder().decode(body);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
