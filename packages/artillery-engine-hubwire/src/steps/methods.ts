/**
 * `handleMethods`: from this step on, the device answers direct methods (docs/protocol.md §10)
 * with a status, a body and a delay, for the rest of the scenario; per-method answers override
 * the default. A method that arrives while none is set up stays unanswered (the caller times out)
 * and counts as `hubwire.errors.method_unanswered`.
 *
 * ```yaml
 * - handleMethods:
 *     status: 200          # default 200
 *     body: { ok: true }   # sent as JSON; default none
 *     delay: 50ms          # default 0
 *     methods:
 *       reboot: { status: 202, delay: 1s }
 *       fail:   { status: 500, body: { error: "simulated" } }
 * ```
 */
import type { Step } from '../artillery/surface.ts';
import { checkKeys, optionalDuration, optionalInteger, record } from '../config.ts';
import type { MethodAnswer } from '../device/virtual-device.ts';
import { asStep, render, specOf, type StepEnv } from './kit.ts';

const ANSWER_KEYS = ['status', 'body', 'delay'];

/** Compiles a `handleMethods` step. */
export function handleMethodsStep(spec: unknown, env: StepEnv): Step {
  const raw = specOf(spec, 'handleMethods');
  checkKeys(raw, [...ANSWER_KEYS, 'methods'], 'handleMethods');
  for (const [name, answer] of Object.entries(specOf(raw['methods'], 'handleMethods.methods'))) {
    checkKeys(specOf(answer, `handleMethods.methods.${name}`), ANSWER_KEYS, `handleMethods.methods.${name}`);
  }
  return asStep(env, async (user, context) => {
    const o = record(render(env, raw, context), 'handleMethods');
    const fallback = answerOf(o, 'handleMethods', { status: 200, delayMs: 0 });
    const byName = new Map<string, MethodAnswer>();
    for (const [name, answer] of Object.entries(record(o['methods'] ?? {}, 'handleMethods.methods'))) {
      byName.set(name, answerOf(record(answer ?? {}, `handleMethods.methods.${name}`), `handleMethods.methods.${name}`, fallback));
    }
    user.device.answerMethods((methodName) => byName.get(methodName) ?? fallback);
  });
}

/** One answer, missing parts taken from `base`. */
function answerOf(o: Readonly<Record<string, unknown>>, where: string, base: MethodAnswer): MethodAnswer {
  const status = optionalInteger(o['status'], `${where}.status`, 0, 65_535) ?? base.status;
  const delayMs = o['delay'] === 0 || o['delay'] === '0' ? 0 : (optionalDuration(o['delay'], `${where}.delay`) ?? base.delayMs);
  const body = 'body' in o ? o['body'] : base.body;
  return { status, delayMs, ...(body === undefined ? {} : { body }) };
}
