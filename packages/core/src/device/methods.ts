/**
 * Direct methods and Plug and Play commands (docs/protocol.md §10, §11): a request from the hub is one
 * `method-request` event (a `component*command` name split for PnP), and the answer one QoS 0
 * PUBLISH on `$iothub/methods/res/{status}/?$rid=…`. The hub keeps no state for the device here:
 * a request belongs to the connection it came on, so an answer needs that connection.
 */
import { isValidRid, isValidStatus, MAX_METHOD_PAYLOAD_BYTES, methodResponseTopic } from '@hubwire/topics';
import type { ParsedMethodRequest } from '@hubwire/topics';
import { InvalidIntentError, InvalidStateError } from '../shared/errors.ts';
import type { MqttSession } from '../session/mqtt-session.ts';
import type { DeviceEvent } from './events.ts';
import { methodBody } from './intents.ts';
import type { Body } from './intents.ts';

/** Emits the `method-request` event for a request that arrived on the methods filter. */
export function methodRequested(session: MqttSession<DeviceEvent>, topic: ParsedMethodRequest, body: Uint8Array): void {
  session.emit(
    topic.component === undefined
      ? { type: 'method-request', rid: topic.rid, methodName: topic.methodName, commandName: topic.commandName, body }
      : { type: 'method-request', rid: topic.rid, methodName: topic.methodName, component: topic.component, commandName: topic.commandName, body },
  );
}

/** `respondMethod`: see DeviceEngine; every check runs before anything is queued. */
export function respondMethod(session: MqttSession<DeviceEvent>, now: number, rid: string, status: number, body: Body | object | null | undefined): void {
  if (!isValidRid(rid)) {
    throw new InvalidIntentError('invalid-rid', `invalid $rid ${JSON.stringify(String(rid))}: 1–128 printable ASCII without & = # + / ? % or space`);
  }
  if (!isValidStatus(status)) {
    throw new InvalidIntentError('invalid-status', `method status must be an integer 0–65535, got ${String(status)}`);
  }
  const bytes = methodBody(body);
  if (bytes.length > MAX_METHOD_PAYLOAD_BYTES) {
    throw new InvalidIntentError('payload-too-large', `the method response is ${bytes.length} bytes; IoT Hub allows ${MAX_METHOD_PAYLOAD_BYTES} (docs/protocol.md §10)`);
  }
  if (session.state !== 'connected') {
    throw new InvalidStateError('not-connected', session.state, 'a method response needs the connection the request came on');
  }
  session.sendPublish(now, methodResponseTopic(status, rid), bytes, 0, 0, false);
}
