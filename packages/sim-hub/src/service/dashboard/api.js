// Calls to the hub's REST API and its live event stream, with the signed-in token.
import { token } from './auth.js';

export const HUB_API_VERSION = '2021-04-12';
export const DPS_API_VERSION = '2021-10-01';

/** An error answer of the API: HTTP status, IoT Hub error code, readable message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Reads an IoT Hub (`ErrorCode:X;text`) or DPS (`errorCode`) error body. */
async function apiError(response) {
  const body = await response.json().catch(() => ({}));
  if (typeof body.Message === 'string') {
    const match = /^ErrorCode:([^;]*);(.*)$/s.exec(body.Message);
    if (match !== null) return new ApiError(response.status, match[1], match[2]);
  }
  if (body.errorCode !== undefined) return new ApiError(response.status, String(body.errorCode), body.message ?? '');
  return new ApiError(response.status, String(response.status), response.statusText);
}

/**
 * Calls the API: `api('PATCH', '/twins/d1', { json: {…} })`. DPS paths get the DPS api-version.
 * `body` sends raw text and `headers` extra headers. Resolves with the parsed JSON (or null), rejects with ApiError.
 */
export async function api(method, path, { json, body, headers = {}, query = {} } = {}) {
  const dps = /^\/(enrollments|enrollmentGroups|registrations)\b/i.test(path);
  const params = new URLSearchParams({ 'api-version': dps ? DPS_API_VERSION : HUB_API_VERSION, ...query });
  const response = await fetch(`${path}?${params}`, {
    method,
    headers: { Authorization: await token(), ...(json === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: json === undefined ? body : JSON.stringify(json),
  });
  if (!response.ok) throw await apiError(response);
  const text = await response.text();
  return text === '' ? null : JSON.parse(text);
}

/** The path of a device or module resource, ids encoded. */
export function identityPath(prefix, deviceId, moduleId) {
  return `${prefix}/${encodeURIComponent(deviceId)}${moduleId === undefined ? '' : `/modules/${encodeURIComponent(moduleId)}`}`;
}

/**
 * Follows /simhub/events (Server-Sent Events read through fetch, so the token travels in a header).
 * Calls `onEvent(type, data)` per event and `onState('live' | 'retrying' | 'unauthorized')`;
 * reconnects with growing pauses until `stop()`.
 */
export function followEvents(onEvent, onState) {
  const controller = new AbortController();
  let pause = 1000;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch('/simhub/events', { headers: { Authorization: await token() }, signal: controller.signal });
        if (response.status === 401) {
          onState('unauthorized');
          return;
        }
        if (!response.ok || response.body === null) throw new Error(`events: ${response.status}`);
        onState('live');
        pause = 1000;
        await readEvents(response.body, onEvent);
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof Error && error.message === 'not signed in') return onState('unauthorized');
      }
      onState('retrying');
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 8000);
    }
  };
  void run();
  return { stop: () => controller.abort() };
}

/** Parses an event stream: frames separated by a blank line, `event:` and `data:` fields. */
async function readEvents(stream, onEvent) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) type = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data !== '') onEvent(type, JSON.parse(data));
    }
  }
}
