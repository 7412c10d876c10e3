/**
 * The application side of a demo device: what a real device does with the engine's events.
 * Direct methods get an answer; desired properties get applied and acknowledged the IoT Plug
 * and Play way (`{ name: { value, ac, av } }`, docs/protocol.md §11), also for values that changed
 * while the device was offline (seen in the twin).
 */
import { writablePropertyAck } from '@hubwire/core';
import type { DeviceEvent } from '@hubwire/core';
import type { DeviceClient } from '@hubwire/node';

/** Writable properties this device accepts, and the check each value must pass. */
const WRITABLE: Readonly<Record<string, (value: unknown) => boolean>> = {
  targetTemperature: (value) => typeof value === 'number' && value >= 5 && value <= 35,
};

/** Answers methods and acknowledges desired properties; ignores everything else. */
export function respondLikeAThermostat(client: DeviceClient, event: DeviceEvent): void {
  switch (event.type) {
    case 'method-request': {
      const known = event.commandName === 'reboot' || event.commandName === 'getMaxMinReport';
      client.act((hub, now) =>
        hub.respondMethod(now, event.rid, known ? 200 : 404, known ? { ok: true, command: event.commandName } : { error: 'unknown command' }),
      );
      break;
    }
    case 'desired-patch':
      acknowledge(client, event.patch, event.version);
      break;
    case 'twin':
      if (event.desiredVersion !== undefined) acknowledge(client, event.desired, event.desiredVersion, event.reported);
      break;
    default:
      break;
  }
}

/** Reports `{ name: { value, ac, av } }` for each writable property in `desired` not yet acknowledged at this version. */
function acknowledge(
  client: DeviceClient,
  desired: Readonly<Record<string, unknown>>,
  version: number,
  reported: Readonly<Record<string, unknown>> = {},
): void {
  let patch: Record<string, unknown> = {};
  for (const [name, check] of Object.entries(WRITABLE)) {
    if (!(name in desired)) continue;
    const already = reported[name] as { av?: unknown } | undefined;
    if (already !== undefined && already.av === version) continue;
    const value = desired[name];
    const ack = check(value)
      ? { value, ac: 200, av: version, ad: 'applied' }
      : { value: null, ac: 400, av: version, ad: 'out of range' };
    patch = { ...patch, ...writablePropertyAck(name, ack) };
  }
  if (Object.keys(patch).length > 0) client.act((hub, now) => hub.patchReported(now, patch));
}
