import { DeviceEngine, type DeviceEngineOptions } from '@hubwire/core';
import { generate, parser as createParser } from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

/** CONNACK, session not present, accepted: what the hub answers to a good CONNECT. */
export const CONNACK_ACCEPTED: Uint8Array = Uint8Array.of(0x20, 0x02, 0x00, 0x00);

/** Options of a bench device: nothing subscribed eagerly unless asked. */
export function engineOptions(deviceId: string, options: Partial<DeviceEngineOptions> = {}): DeviceEngineOptions {
  return {
    hostName: 'bench-hub.azure-devices.net',
    deviceId,
    random: () => 0.5,
    subscribe: { c2d: false, methods: false, twin: false },
    ...options,
  };
}

/** Connects an engine with a scripted CONNACK; SUBSCRIBEs it sends are answered with a SUBACK granting them. */
export function connect(engine: DeviceEngine): DeviceEngine {
  engine.connect(0, { password: 'SharedAccessSignature sr=bench&sig=x&se=1' });
  engine.receive(0, CONNACK_ACCEPTED);
  grantSubscriptions(engine);
  drain(engine);
  if (engine.state !== 'connected') throw new Error(`engine did not connect: ${engine.state}`);
  return engine;
}

/** A connected DeviceEngine (scripted CONNACK), its transmit and event queues drained. */
export function connectedEngine(deviceId: string, options: Partial<DeviceEngineOptions> = {}): DeviceEngine {
  return connect(new DeviceEngine(engineOptions(deviceId, options)));
}

/** Answers every queued SUBSCRIBE with a SUBACK granting the requested QoS. */
export function grantSubscriptions(engine: DeviceEngine): void {
  const parser = createParser({ protocolVersion: 4 });
  const replies: Uint8Array[] = [];
  parser.on('packet', (p: Packet) => {
    if (p.cmd === 'subscribe') {
      replies.push(Uint8Array.from(generate({ cmd: 'suback', messageId: p.messageId as number, granted: p.subscriptions.map((s) => s.qos) })));
    }
  });
  for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) parser.parse(Buffer.from(bytes));
  for (const reply of replies) engine.receive(0, reply);
}

/** Empties both queues; returns the number of transmitted packets and events. */
export function drain(engine: DeviceEngine): { transmitted: number; events: number } {
  let transmitted = 0;
  let events = 0;
  while (engine.pollTransmit() !== undefined) transmitted++;
  while (engine.pollEvent() !== undefined) events++;
  return { transmitted, events };
}
