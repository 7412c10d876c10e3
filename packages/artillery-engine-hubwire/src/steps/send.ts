/**
 * `send`: telemetry (docs/protocol.md §7). The body is a template; a mapping or list is sent as
 * JSON with `contentType: application/json` and `contentEncoding: utf-8` unless given. With
 * `count`, the body is rendered again for every message, so `{{ $randomNumber(…) }}` varies.
 *
 * ```yaml
 * - send:
 *     body: { temperature: "{{ $randomNumber(18, 26) }}" }
 *     properties: { alert: "none" }
 *     qos: 1            # default 1; 0 is fire-and-forget
 *     count: 10         # default 1
 *     waitForAck: true  # default true: the step ends when every PUBACK came
 * ```
 */
import type { TelemetryOptions } from '@hubwire/core';
import type { Step } from '../artillery/surface.ts';
import { checkKeys, optionalBoolean, optionalDuration, optionalInteger, optionalString, record } from '../config.ts';
import { ScenarioError } from '../errors.ts';
import { asStep, render, specOf, type StepEnv } from './kit.ts';

const SYSTEM_PROPERTIES = ['messageId', 'correlationId', 'userId', 'contentType', 'contentEncoding', 'component', 'outputName', 'expiryTimeUtc', 'creationTimeUtc'] as const;
const KEYS = ['body', 'properties', 'qos', 'count', 'waitForAck', 'timeout', ...SYSTEM_PROPERTIES];

/** Compiles a `send` step. */
export function sendStep(spec: unknown, env: StepEnv): Step {
  const raw = specOf(spec, 'send');
  checkKeys(raw, KEYS, 'send');
  if (!('body' in raw)) throw new ScenarioError('invalid_scenario', 'send needs a body');
  return asStep(env, async (user, context) => {
    const device = user.device;
    const first = record(render(env, raw, context), 'send');
    const count = optionalInteger(first['count'], 'send.count', 1, 1_000_000) ?? 1;
    const timeoutMs = optionalDuration(first['timeout'], 'send.timeout') ?? env.config.timeoutMs;
    const waitForAck = optionalBoolean(first['waitForAck'], 'send.waitForAck') ?? true;
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const o = i === 0 ? first : record(render(env, raw, context), 'send');
      const { body, options } = message(o);
      const id = device.publish(body, options);
      if (id !== undefined) ids.push(id);
    }
    if (waitForAck && ids.length > 0) await device.waitForAcks(ids, timeoutMs);
  });
}

/** The body text and telemetry options a rendered spec describes. */
function message(o: Readonly<Record<string, unknown>>): { body: string; options: TelemetryOptions } {
  const raw = o['body'];
  const structured = typeof raw === 'object' && raw !== null;
  const body = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? '';
  const qos = optionalInteger(o['qos'], 'send.qos', 0, 1) ?? 1;
  const system: Record<string, string> = structured ? { contentType: 'application/json', contentEncoding: 'utf-8' } : {};
  for (const name of SYSTEM_PROPERTIES) {
    const value = optionalString(o[name], `send.${name}`);
    if (value !== undefined) system[name] = value;
  }
  const properties = applicationProperties(o['properties']);
  return { body, options: { ...system, qos: qos as 0 | 1, ...(properties === undefined ? {} : { properties }) } };
}

/** Application properties as strings (numbers and booleans from templates are stringified). */
function applicationProperties(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const bag = record(value, 'send.properties');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(bag)) {
    if (typeof v === 'object' && v !== null) throw new ScenarioError('invalid_scenario', `send.properties.${name} must be a string, number or boolean`);
    out[name] = String(v);
  }
  return out;
}
