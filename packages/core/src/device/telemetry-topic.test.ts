import { telemetryTopic } from '@hubwire/topics';
import type { PropertyPair } from '@hubwire/topics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../wire/decoder.ts';
import { DeviceEngine } from './device-engine.ts';
import type { TelemetryOptions } from './intents.ts';
import { TelemetryTopicCache } from './telemetry-topic.ts';

const DEVICE = 'cache-device';

/** A connected engine (scripted CONNACK), nothing subscribed. */
function connectedEngine(): DeviceEngine {
  const engine = new DeviceEngine({
    hostName: 'hub.azure-devices.net',
    deviceId: DEVICE,
    random: () => 0.5,
    subscribe: { c2d: false, methods: false, twin: false },
  });
  engine.connect(0, { password: 'SharedAccessSignature sr=x&sig=y&se=1' });
  engine.receive(0, Uint8Array.of(0x20, 0x02, 0x00, 0x00));
  while (engine.pollTransmit() !== undefined);
  while (engine.pollEvent() !== undefined);
  return engine;
}

/** The topic of the PUBLISH the engine sends for `options` (QoS 0). */
function publishedTopic(engine: DeviceEngine, options: TelemetryOptions): string {
  engine.publishTelemetry(0, 'x', { ...options, qos: 0 });
  const decoder = new PacketDecoder({ maxPacketBytes: 1 << 20 });
  decoder.push(engine.pollTransmit() as Uint8Array);
  const packet = decoder.next();
  if (packet?.cmd !== 'publish') throw new Error(`expected a PUBLISH, got ${String(packet?.cmd)}`);
  return packet.topic;
}

describe('TelemetryTopicCache', () => {
  it('matches options with the same values, even as a different object', () => {
    const cache = new TelemetryTopicCache();
    cache.store({ contentType: 'a', properties: { k: 'v' }, qos: 0 }, 't', 3);
    expect(cache.matches({ contentType: 'a', properties: { k: 'v' }, qos: 1 })).toBe(true);
    expect([cache.topic, cache.size]).toEqual(['t', 3]);
  });

  it('misses when a system or application value, a key or the key order differs', () => {
    const cache = new TelemetryTopicCache();
    const application: Record<string, string | null> = { k: 'v', l: null };
    const options = { contentType: 'a', properties: application };
    cache.store(options, 't', 3);
    expect(cache.matches({ contentType: 'b', properties: { k: 'v', l: null } })).toBe(false);
    expect(cache.matches({ contentEncoding: 'a', properties: { k: 'v', l: null } })).toBe(false);
    expect(cache.matches({ contentType: 'a', properties: { l: null, k: 'v' } })).toBe(false);
    expect(cache.matches({ contentType: 'a', properties: { k: 'v' } })).toBe(false);
    expect(cache.matches({ contentType: 'a' })).toBe(false);
    application['k'] = 'changed'; // mutated in place between calls
    expect(cache.matches(options)).toBe(false);
  });

  it('compares pairs element by element and never caches other iterables or class instances', () => {
    const cache = new TelemetryTopicCache();
    const pairs: [string, string | null][] = [['a', '1']];
    cache.store({ properties: pairs }, 't', 2);
    expect(cache.matches({ properties: [['a', '1']] })).toBe(true);
    pairs[0] = ['a', '2'];
    expect(cache.matches({ properties: pairs })).toBe(false);
    cache.store({ properties: new Map([['a', '1']]) }, 't', 2);
    expect(cache.matches({ properties: new Map([['a', '1']]) })).toBe(false);
    const iterable = { *[Symbol.iterator](): Generator<PropertyPair> { yield ['a', '1']; } };
    cache.store({ properties: iterable }, 't', 2);
    expect(cache.matches({ properties: iterable })).toBe(false);
    class Options {
      contentType = 'a';
    }
    cache.store(new Options(), 't', 1);
    expect(cache.matches(new Options())).toBe(false);
  });

  it('gives the engine the topic @hubwire/topics builds, whatever options came before', () => {
    const value = fc.constantFrom('a', 'b', 'x y', 'é');
    const application = fc.oneof(
      fc.dictionary(fc.constantFrom('k', 'l', 'm'), fc.option(value, { nil: null }), { maxKeys: 2 }),
      fc.array(fc.tuple(fc.constantFrom('k', 'l'), value), { maxLength: 1 }),
    );
    const options = fc.record(
      { contentType: value, contentEncoding: value, properties: application },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(options, { minLength: 1, maxLength: 8 }), (sequence) => {
        const engine = connectedEngine();
        for (const o of sequence) {
          const { properties, ...system } = o;
          const input = properties === undefined ? system : { ...system, application: properties as Iterable<PropertyPair> };
          expect(publishedTopic(engine, o)).toBe(telemetryTopic({ deviceId: DEVICE }, input));
        }
      }),
    );
  });

  it('sends a mutated options object with its new values', () => {
    const engine = connectedEngine();
    const application: Record<string, string | null> = { level: 'low' };
    const options = { contentType: 'application/json', properties: application };
    expect(publishedTopic(engine, options)).toMatch(/level=low$/);
    application['level'] = 'high';
    expect(publishedTopic(engine, options)).toMatch(/level=high$/);
  });
});
