/**
 * `disconnect`: waits for the PUBACKs still outstanding (within the timeout), then DISCONNECT.
 * A scenario that ends without one is disconnected the same way, without the wait.
 *
 * ```yaml
 * - disconnect: {}
 * ```
 */
import type { Step } from '../artillery/surface.ts';
import { checkKeys, optionalDuration, record } from '../config.ts';
import { asStep, render, specOf, type StepEnv } from './kit.ts';

/** Compiles a `disconnect` step. */
export function disconnectStep(spec: unknown, env: StepEnv): Step {
  checkKeys(specOf(spec, 'disconnect'), ['timeout'], 'disconnect');
  return asStep(env, async (user, context) => {
    const o = record(render(env, spec ?? {}, context), 'disconnect');
    const timeoutMs = optionalDuration(o['timeout'], 'disconnect.timeout') ?? env.config.timeoutMs;
    try {
      await user.device.disconnect(timeoutMs);
    } finally {
      await user.release();
    }
  });
}
