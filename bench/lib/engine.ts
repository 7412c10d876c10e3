import { DeviceEngine, type DeviceEngineOptions } from '@hubwire/core';

/** CONNACK, session not present, accepted: what the hub answers to a good CONNECT. */
export const CONNACK_ACCEPTED: Uint8Array = Uint8Array.of(0x20, 0x02, 0x00, 0x00);

/** The password a bench device connects with (a SAS token's shape; nothing checks it). */
export const PASSWORD = 'SharedAccessSignature sr=bench-hub.azure-devices.net%2Fdevices%2Fbench-device-0001&sig=c2lnbmF0dXJl&se=1700000000';

/** The bench devices' random source: one function for all of them, so no engine holds a closure of its own. */
const HALF = (): number => 0.5;

/** Options of a bench device: nothing subscribed eagerly unless asked. */
export function engineOptions(deviceId: string, options: Partial<DeviceEngineOptions> = {}): DeviceEngineOptions {
  return {
    hostName: 'bench-hub.azure-devices.net',
    deviceId,
    random: HALF,
    subscribe: { c2d: false, methods: false, twin: false },
    ...options,
  };
}

/**
 * The SUBACK a hub answers `subscribe` with, granting every filter the QoS it asked for. Read by
 * hand (packet id, then length-prefixed filters each followed by its QoS byte, MQTT 3.1.1 §3.8), so
 * connecting a million engines costs no parser per engine.
 */
export function subackFor(subscribe: Uint8Array): Uint8Array {
  if (subscribe[0] !== 0x82) throw new Error(`not a SUBSCRIBE: first byte ${subscribe[0]}`);
  let at = 1;
  while (((subscribe[at] as number) & 0x80) !== 0) at++;
  at++;
  const id = [subscribe[at] as number, subscribe[at + 1] as number];
  const granted: number[] = [];
  for (at += 2; at < subscribe.length; ) {
    at += 2 + (((subscribe[at] as number) << 8) | (subscribe[at + 1] as number));
    granted.push(subscribe[at++] as number);
  }
  return Uint8Array.of(0x90, 2 + granted.length, ...id, ...granted);
}

/** Connects an engine with a scripted CONNACK; SUBSCRIBEs it sends are answered with a SUBACK granting them. */
export function connect(engine: DeviceEngine, password = PASSWORD): DeviceEngine {
  engine.connect(0, { password });
  drain(engine); // the CONNECT
  engine.receive(0, CONNACK_ACCEPTED);
  for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) {
    if (bytes[0] === 0x82) engine.receive(0, subackFor(bytes));
  }
  drain(engine);
  if (engine.state !== 'connected') throw new Error(`engine did not connect: ${engine.state}`);
  return engine;
}

/** A connected DeviceEngine (scripted CONNACK), its transmit and event queues drained. */
export function connectedEngine(deviceId: string, options: Partial<DeviceEngineOptions> = {}): DeviceEngine {
  return connect(new DeviceEngine(engineOptions(deviceId, options)));
}

/** Empties both queues; returns the number of transmitted packets and events. */
export function drain(engine: DeviceEngine): { transmitted: number; events: number } {
  let transmitted = 0;
  let events = 0;
  while (engine.pollTransmit() !== undefined) transmitted++;
  while (engine.pollEvent() !== undefined) events++;
  return { transmitted, events };
}
