/**
 * One readable line per engine event, for the demo's live log. An exhaustive switch: a new
 * event type breaks this file at compile time until it is described (docs/design.md "Events").
 */
import type { DeviceEvent } from '@hubwire/core';
import type { DriverNotice } from '@hubwire/node';

/** Shortens a body for the log: text when printable, else a byte count. */
export function preview(body: Uint8Array, max = 60): string {
  if (body.byteLength === 0) return '(empty)';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  if (/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) return `(${body.byteLength} bytes)`;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Describes a device event in a few words. */
export function describeEvent(event: DeviceEvent): string {
  switch (event.type) {
    case 'connected':
      return `connected (session present: ${event.sessionPresent})`;
    case 'connect-failed':
      return `connection refused: CONNACK ${event.returnCode} ${event.reason}${event.retriable ? ' (will retry)' : ''}`;
    case 'subscribed':
      return `subscribed ${event.topics.map((t, i) => `${t} (QoS ${event.granted[i]})`).join(', ')}`;
    case 'subscription-refused':
      return `subscription refused: ${event.topic} (0x${event.returnCode.toString(16)})`;
    case 'telemetry-acked':
      return `telemetry #${event.id} acknowledged (PUBACK)`;
    case 'c2d': {
      const props = Object.entries(event.properties.application).map(([k, v]) => `${k}=${v}`);
      return `C2D message ${event.properties.messageId ?? ''} "${preview(event.body)}"${props.length > 0 ? ` [${props.join(', ')}]` : ''}`;
    }
    case 'module-input':
      return `input ${event.inputName}: ${preview(event.body)}`;
    case 'twin':
      return `twin (rid ${event.rid}): desired v${event.desiredVersion ?? '?'}, reported v${event.reportedVersion ?? '?'}`;
    case 'reported-patched':
      return `reported properties saved (rid ${event.rid}, version ${event.version ?? '?'})`;
    case 'desired-patch':
      return `desired patch v${event.version}: ${preview(event.body)}`;
    case 'method-request':
      return `method ${event.methodName} called (rid ${event.rid}) with ${preview(event.body)}`;
    case 'request-failed': {
      const status = event.status === undefined ? '' : ` (${event.status})`;
      return `${event.intent} ${event.rid ?? event.id ?? ''} failed: ${event.reason}${status}${event.retriable ? ', retriable' : ''}`;
    }
    case 'token-expiring':
      return 'SAS token expires soon';
    case 'connection-lost':
      return `connection lost: ${event.reason}${event.detail === undefined ? '' : ` (${event.detail})`}`;
    case 'protocol-error':
      return `protocol error: ${event.reason} ${event.detail}`;
    case 'disconnected':
      return 'disconnected';
    default: {
      const unknown: never = event;
      return `event ${(unknown as { type: string }).type}`;
    }
  }
}

/** Describes what the driver did. */
export function describeNotice(notice: DriverNotice): string {
  switch (notice.type) {
    case 'stream-opened':
      return `socket open (${notice.label})`;
    case 'stream-closed':
      return `socket closed (${notice.reason})`;
    case 'open-failed':
      return `could not open socket: ${notice.error}`;
    case 'reconnect-scheduled':
      return `reconnecting in ${notice.inMs} ms`;
    case 'renewing-token':
      return 'renewing SAS token: DISCONNECT, new token, CONNECT';
    case 'gave-up':
      return `not reconnecting: ${notice.reason}`;
    default: {
      const unknown: never = notice;
      return `notice ${(unknown as { type: string }).type}`;
    }
  }
}
