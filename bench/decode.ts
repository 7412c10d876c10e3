/**
 * Suite 2 — decode + classify: an inbound stream of C2D messages with properties, twin
 * responses, method requests and PUBACKs, fed (a) one packet per chunk, (b) as one 64 KiB
 * buffer, (c) split at seeded random chunk sizes of 1–1460 bytes (a TCP segment's payload).
 * Both sides get the very same chunks, each its own Node Buffer, as a Node socket delivers them;
 * (a) runs once more with plain Uint8Array chunks, to show a Buffer costs hubwire nothing extra.
 * hubwire: PacketDecoder + parseInboundTopic, i.e. typed results. mqtt-packet: its Parser alone
 * on the same chunks (no topic classification at all), so the comparison favours mqtt-packet.
 */
import { PacketDecoder } from '@hubwire/core';
import { parseInboundTopic } from '@hubwire/topics';
import { parser as createParser } from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { allocationPerPacket } from './lib/allocation.ts';
import { asBuffer, chunk, concat } from './lib/bytes.ts';
import { type Case, runSuite } from './lib/harness.ts';
import { type InterleavedRatio, interleavedRatio } from './lib/interleaved.ts';
import { inboundBuffer, inboundRound, ROUND_KINDS } from './lib/inbound-stream.ts';
import { between, seededRandom } from './lib/prng.ts';
import { addSummary, formatTime } from './lib/report.ts';

/** Goals for the mixed stream (docs/design.md "The hot path"). */
const CLASSIFY_GOAL = { min: 6, text: '≥ 6×' } as const;
const DECODE_HEAP_GOAL = { max: 150, text: '≤ 150 B' } as const;
const CLASSIFY_HEAP_GOAL = { max: 250, text: '≤ 250 B' } as const;

const MAX_PACKET_BYTES = 262_144 + 4096;

/** Builds the three chunkings of one ~64 KiB stream. */
function fixtures(): { name: string; chunks: Uint8Array[] }[] {
  const { bytes } = inboundBuffer(65_536);
  const perPacket: Uint8Array[] = [];
  const decoder = new PacketDecoder({ maxPacketBytes: MAX_PACKET_BYTES });
  // Cut at packet boundaries by decoding once: each packet becomes its own copy.
  let at = 0;
  decoder.push(bytes);
  for (let p = decoder.next(); p !== undefined; p = decoder.next()) {
    let end = at + 1;
    let length = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[end++] as number;
      length += (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    perPacket.push(bytes.slice(at, end + length));
    at = end + length;
  }
  const random = seededRandom(0x5eed);
  return [
    { name: '(a) one packet per chunk', chunks: perPacket },
    { name: '(b) one 64 KiB buffer', chunks: [bytes] },
    { name: '(c) random chunks 1–1460 B', chunks: chunk(bytes, () => between(random, 1, 1460)) },
  ];
}

/** Typed results of one pass: counts by kind, so the work cannot be skipped. */
interface Tally {
  packets: number;
  c2d: number;
  twin: number;
  method: number;
  puback: number;
}

function hubwireDecodeClassify(decoder: PacketDecoder, chunks: readonly Uint8Array[], keep?: unknown[]): Tally {
  const tally: Tally = { packets: 0, c2d: 0, twin: 0, method: 0, puback: 0 };
  for (const c of chunks) {
    decoder.push(c);
    for (let p = decoder.next(); p !== undefined; p = decoder.next()) {
      tally.packets++;
      if (p.cmd === 'publish') {
        const topic = parseInboundTopic(p.topic);
        if (keep !== undefined) keep.push(topic, p);
        if (topic.kind === 'c2d') tally.c2d++;
        else if (topic.kind === 'twin-response') tally.twin++;
        else if (topic.kind === 'method-request') tally.method++;
        else throw new Error(`wrong result! ${topic.kind}`);
      } else if (p.cmd === 'puback') {
        if (keep !== undefined) keep.push(p);
        tally.puback++;
      } else {
        throw new Error(`wrong result! ${p.cmd}`);
      }
    }
  }
  return tally;
}

function hubwireDecodeOnly(decoder: PacketDecoder, chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) {
    decoder.push(c);
    for (let p = decoder.next(); p !== undefined; p = decoder.next()) {
      if (p.cmd === 'error') throw new Error(`wrong result! ${p.detail}`);
      n++;
    }
  }
  return n;
}

/** mqtt-packet's Parser, reused across passes, counting packets. */
function mqttPacketParser(): { parse: (chunks: readonly Buffer[]) => number } {
  const parser = createParser({ protocolVersion: 4 });
  let n = 0;
  parser.on('packet', (_p: Packet) => {
    n++;
  });
  parser.on('error', (e: Error) => {
    throw e;
  });
  return {
    parse(chunks) {
      n = 0;
      for (const c of chunks) parser.parse(c);
      return n;
    },
  };
}

/**
 * Heap per decoded packet for each kind of the round on its own (one buffer of 500 alike), so the mixed
 * stream's average can be read as a sum: what the packet object, its topic string and its payload view cost.
 */
async function allocationByKind(): Promise<{ kind: string; bytes: number; heapBytesPerPacket: number }[]> {
  const out: { kind: string; bytes: number; heapBytesPerPacket: number }[] = [];
  for (let k = 0; k < ROUND_KINDS.length; k++) {
    const kind = ROUND_KINDS[k] as string;
    if (out.some((o) => o.kind === kind)) continue;
    const packets: Uint8Array[] = [];
    for (let n = 0; n < 500; n++) packets.push(inboundRound(n)[k] as Uint8Array);
    const stream = [concat(packets)];
    const decoder = new PacketDecoder({ maxPacketBytes: MAX_PACKET_BYTES });
    const measured = await allocationPerPacket(() => hubwireDecodeOnly(decoder, stream), packets.length);
    out.push({ kind, bytes: (packets[0] as Uint8Array).length, heapBytesPerPacket: measured.heapBytesPerPacket });
  }
  return out;
}

/** The three chunkings as the suite runs them: every chunk a Node Buffer, and (a) again as plain Uint8Arrays. */
function streams(): { name: string; short: string; chunks: readonly Uint8Array[]; buffers: readonly Buffer[] }[] {
  const sets = fixtures();
  const out = sets.map(({ name, chunks }): { name: string; short: string; chunks: readonly Uint8Array[]; buffers: readonly Buffer[] } => {
    const buffers = chunks.map(asBuffer);
    return { name, short: name.slice(0, 3), chunks: buffers, buffers };
  });
  const perPacket = sets[0] as { name: string; chunks: Uint8Array[] };
  out.splice(1, 0, { name: '(a) same, plain Uint8Array chunks', short: '(a) Uint8Array', chunks: perPacket.chunks, buffers: perPacket.chunks.map(asBuffer) });
  return out;
}

/** Runs the decode suite. */
export async function decodeSuite(): Promise<void> {
  const cases: Case[] = [];
  const allocation: Record<string, unknown>[] = [];
  const interleaved: { stream: string; label: string; result: InterleavedRatio }[] = [];
  const prepared = streams().map((stream) => ({ ...stream, decoder: new PacketDecoder({ maxPacketBytes: MAX_PACKET_BYTES }), oracle: mqttPacketParser() }));
  // Every shape warmed up before any is measured, so the first measured does not pay for the JIT's first guesses.
  for (let i = 0; i < 30; i++) {
    for (const { chunks, buffers, decoder, oracle } of prepared) {
      hubwireDecodeClassify(decoder, chunks);
      hubwireDecodeOnly(decoder, chunks);
      oracle.parse(buffers);
    }
  }
  for (const { name, short, chunks, buffers, decoder, oracle } of prepared) {
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    const expected = hubwireDecodeClassify(decoder, chunks);
    const packets = expected.packets;
    if (oracle.parse(buffers) !== packets) throw new Error('mqtt-packet disagrees on the packet count');
    const parse = (): void => {
      if (oracle.parse(buffers) !== packets) throw new Error('wrong result!');
    };
    const classify = (): void => {
      if (hubwireDecodeClassify(decoder, chunks).packets !== packets) throw new Error('wrong result!');
    };
    const decodeOnly = (): void => {
      if (hubwireDecodeOnly(decoder, chunks) !== packets) throw new Error('wrong result!');
    };
    cases.push(
      { group: name, impl: 'mqtt-packet', label: 'Parser', packets, bytes, fn: parse },
      // The summary reports these two by their interleaved ratios, steadier on a loaded machine.
      { group: name, impl: 'hubwire', label: 'decoder + parseInboundTopic', packets, bytes, fn: classify, summary: false },
      { group: name, impl: 'hubwire', label: 'decoder only', packets, bytes, fn: decodeOnly, summary: false },
    );
    const classified = interleavedRatio(parse, classify, packets);
    const decoded = interleavedRatio(parse, decodeOnly, packets);
    interleaved.push({ stream: name, label: 'decoder + parseInboundTopic', result: classified }, { stream: name, label: 'decoder only', result: decoded });
    const baseline = (r: InterleavedRatio): string => `mqtt-packet Parser ${formatTime(r.baselineNsPerPacket)}/packet`;
    addSummary({
      suite: 'decode', what: `decode + classify ${short}`, hubwire: `${formatTime(classified.candidateNsPerPacket)}/packet`,
      baseline: baseline(classified), ratio: classified.ratio, method: 'interleaved', goal: CLASSIFY_GOAL, chart: true,
    });
    addSummary({
      suite: 'decode', what: `decode alone ${short}`, hubwire: `${formatTime(decoded.candidateNsPerPacket)}/packet`,
      baseline: baseline(decoded), ratio: decoded.ratio, method: 'interleaved', chart: true,
    });
    const measured = {
      'mqtt-packet Parser': await allocationPerPacket(parse, packets),
      'hubwire decoder only': await allocationPerPacket(decodeOnly, packets),
      'hubwire decoder + parseInboundTopic': await allocationPerPacket(classify, packets),
    };
    allocation.push({ stream: name, packets, bytes, ...measured });
    const parserHeap = `mqtt-packet Parser ${measured['mqtt-packet Parser'].heapBytesPerPacket.toFixed(0)} B`;
    const decodeHeap = measured['hubwire decoder only'].heapBytesPerPacket;
    const classifyHeap = measured['hubwire decoder + parseInboundTopic'].heapBytesPerPacket;
    addSummary({ suite: 'decode', what: `heap per packet, decode alone ${short}`, hubwire: `${decodeHeap.toFixed(0)} B`, baseline: parserHeap, value: decodeHeap, goal: DECODE_HEAP_GOAL });
    addSummary({ suite: 'decode', what: `heap per packet, decode + classify ${short}`, hubwire: `${classifyHeap.toFixed(0)} B`, baseline: parserHeap, value: classifyHeap, goal: CLASSIFY_HEAP_GOAL });
  }
  const mix = 'per round: C2D+props (QoS 1), PUBACK, twin 200 GET response, PUBACK, method request, PUBACK, twin 204';
  const byKind = await allocationByKind();
  await runSuite('decode', cases, { allocation, allocationByKind: byKind, mix, interleaved });
  console.log('\nInterleaved ratios to mqtt-packet\'s Parser (median of alternating passes; see bench/lib/interleaved.ts):\n');
  for (const { stream, label, result } of interleaved) {
    const ns = `${result.candidateNsPerPacket.toFixed(0)} vs ${result.baselineNsPerPacket.toFixed(0)} ns/packet`;
    console.log(`  ${stream.padEnd(33)} ${label.padEnd(28)} ${result.ratio.toFixed(2)}×  (${ns})`);
  }
  console.log('\nJS heap bytes allocated per decoded packet (median of GC-free samples; see bench/lib/allocation.ts):\n');
  for (const a of allocation) {
    console.log(`  ${String(a['stream'])} — ${String(a['packets'])} packets, ${String(a['bytes'])} bytes`);
    for (const [k, v] of Object.entries(a)) {
      if (typeof v !== 'object' || v === null) continue;
      const m = v as { heapBytesPerPacket: number; externalBytesPerPacket: number; cleanSamples: number };
      const heap = m.heapBytesPerPacket.toFixed(0).padStart(6);
      const external = m.externalBytesPerPacket.toFixed(0).padStart(5);
      console.log(`    ${k.padEnd(38)} ${heap} B heap  ${external} B external  (${m.cleanSamples} samples)`);
    }
  }
  console.log('\n  decoder alone, by kind (500 alike in one buffer; bytes = one packet on the wire):');
  for (const { kind, bytes, heapBytesPerPacket } of byKind) {
    console.log(`    ${kind.padEnd(40)} ${String(bytes).padStart(4)} B  ${heapBytesPerPacket.toFixed(0).padStart(6)} B heap`);
  }
}
