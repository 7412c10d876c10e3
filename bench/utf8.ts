/**
 * Suite 4 — UTF-8: the decoder's hand-written path for short strings against TextDecoder (the
 * reason the path exists, docs/design.md "The hot path"), and the encoder's topic writer against
 * TextEncoder.encodeInto. Topic-like ASCII strings of 8, 24, 32, 44 and 64 bytes and one short
 * non-ASCII string.
 */
import { decodeUtf8, encodeUtf8Into } from '@hubwire/core';
import { type Case, runSuite } from './lib/harness.ts';

const SAMPLE = '$iothub/twin/res/200/?$rid=1742&$version=17/devices/bench-device-0001/messages/devicebound/';

function decodeCases(text: string, label: string): Case[] {
  const encoded = new TextEncoder().encode(text);
  const bytes = new Uint8Array(encoded.length + 16);
  bytes.set(encoded, 8); // inside a larger chunk, as a topic is
  const start = 8;
  const end = 8 + encoded.length;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const group = `decode ${label}`;
  return [
    {
      group, impl: 'TextDecoder', label: 'fatal, decode(subarray)', baseline: true, packets: 1, bytes: encoded.length,
      fn: () => {
        if (decoder.decode(bytes.subarray(start, end)) !== text) throw new Error('wrong result!');
      },
    },
    {
      group, impl: 'hubwire', label: 'decodeUtf8', packets: 1, bytes: encoded.length,
      fn: () => {
        if (decodeUtf8(bytes, start, end) !== text) throw new Error('wrong result!');
      },
    },
  ];
}

function encodeCases(text: string, label: string): Case[] {
  const length = new TextEncoder().encode(text).length;
  const target = new Uint8Array(length * 3 + 16);
  const encoder = new TextEncoder();
  const group = `encode ${label}`;
  return [
    {
      group, impl: 'TextEncoder', label: 'encodeInto(subarray)', baseline: true, packets: 1, bytes: length,
      fn: () => {
        if (encoder.encodeInto(text, target.subarray(5)).written !== length) throw new Error('wrong result!');
      },
    },
    {
      group, impl: 'hubwire', label: 'encodeUtf8Into', packets: 1, bytes: length,
      fn: () => {
        if (encodeUtf8Into(text, target, 5) !== length) throw new Error('wrong result!');
      },
    },
  ];
}

/** Runs the UTF-8 suite. */
export async function utf8Suite(): Promise<void> {
  const ascii = (n: number): string => SAMPLE.slice(0, n);
  await runSuite('utf8', [
    ...decodeCases(ascii(8), '8 B ASCII'),
    ...decodeCases(ascii(24), '24 B ASCII'),
    ...decodeCases(ascii(32), '32 B ASCII'),
    ...decodeCases(ascii(44), '44 B ASCII (longest hand-decoded)'),
    ...decodeCases(ascii(64), '64 B ASCII (native path)'),
    ...decodeCases('devices/gerät-ü/€', '20 B non-ASCII'),
    ...encodeCases(ascii(16), '16 B ASCII'),
    ...encodeCases(ascii(64), '64 B ASCII (native path)'),
  ]);
}
