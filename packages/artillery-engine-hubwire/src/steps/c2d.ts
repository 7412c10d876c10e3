/**
 * `waitForC2d`: waits for cloud-to-device messages (docs/protocol.md §8), counting those that
 * arrived since the previous wait; fails with `c2d_timeout` when too few come in time.
 *
 * ```yaml
 * - waitForC2d:
 *     count: 1        # default 1
 *     timeout: 30s    # default: the engine's timeout
 *     as: command     # optional: {{ command.body }} in later steps (the last message)
 * ```
 */
import type { Step } from '../artillery/surface.ts';
import { checkKeys, optionalDuration, optionalInteger, optionalString, record } from '../config.ts';
import { asStep, render, specOf, type StepEnv } from './kit.ts';

/** Compiles a `waitForC2d` step. */
export function waitForC2dStep(spec: unknown, env: StepEnv): Step {
  checkKeys(specOf(spec, 'waitForC2d'), ['count', 'timeout', 'as'], 'waitForC2d');
  return asStep(env, async (user, context) => {
    const o = record(render(env, spec ?? {}, context), 'waitForC2d');
    const count = optionalInteger(o['count'], 'waitForC2d.count', 1, 1000) ?? 1;
    const timeoutMs = optionalDuration(o['timeout'], 'waitForC2d.timeout') ?? env.config.timeoutMs;
    const as = optionalString(o['as'], 'waitForC2d.as');
    const messages = await user.device.waitForC2d(count, timeoutMs);
    const last = messages.at(-1);
    if (as !== undefined && last !== undefined) context.vars[as] = { body: last.body, properties: last.properties };
  });
}
