import { telemetryTopic } from '@hubwire/topics';
import { generate } from 'mqtt-packet';
import { connectedEngine } from './lib/engine.ts';
const DEVICE = { deviceId: 'bench-device-0001' };
const PROPERTIES = { contentType: 'application/json', contentEncoding: 'utf-8', application: { 'alert-level': 'warning' } } as const;
const base = '{"temperature":21.5,"humidity":48.25,"pressure":1013.2,"battery":87,"ts":"2026-11-23T12:00:00Z","seq":1,"pad":"';
const body = new TextEncoder().encode(base + 'x'.repeat(200 - base.length - 2) + '"}');
const buf = Buffer.from(body);
const engine = connectedEngine(DEVICE.deviceId);
const opts = { contentType: PROPERTIES.contentType, contentEncoding: PROPERTIES.contentEncoding, properties: PROPERTIES.application, qos: 0 } as const;
function time(label: string, fn: () => void, n = 200000) {
  for (let i = 0; i < 20000; i++) fn();
  let best = Infinity;
  for (let r = 0; r < 5; r++) { const t = process.hrtime.bigint(); for (let i = 0; i < n; i++) fn(); best = Math.min(best, Number(process.hrtime.bigint() - t) / n); }
  console.log(label.padEnd(30), best.toFixed(1), 'ns');
  return best;
}
let size = 0;
const a = time('topic+generate', () => { const t = telemetryTopic(DEVICE, PROPERTIES); size = generate({ cmd: 'publish', topic: t, payload: buf, qos: 0, dup: false, retain: false }).length; });
const b = time('engine', () => { engine.publishTelemetry(0, body, opts); const o = engine.pollTransmit(); if (o === undefined || o.length !== size) throw new Error('wrong'); });
console.log('ratio', (a / b).toFixed(2));
