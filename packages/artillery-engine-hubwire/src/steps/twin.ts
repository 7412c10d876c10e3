/**
 * `getTwin` and `patchReported` (docs/protocol.md §9). Each waits for the hub's answer within the
 * timeout and records `hubwire.twin_latency`.
 *
 * ```yaml
 * - getTwin:
 *     as: twin                 # optional: {{ twin.desired.interval }} in later steps
 * - patchReported:
 *     firmware: "1.4.{{ $loopCount }}"
 *     online: true
 * ```
 */
import type { Step } from '../artillery/surface.ts';
import { checkKeys, optionalDuration, optionalString, record } from '../config.ts';
import { asStep, render, specOf, type StepEnv } from './kit.ts';

/** Compiles a `getTwin` step. */
export function getTwinStep(spec: unknown, env: StepEnv): Step {
  checkKeys(specOf(spec, 'getTwin'), ['as', 'timeout'], 'getTwin');
  return asStep(env, async (user, context) => {
    const o = record(render(env, spec ?? {}, context), 'getTwin');
    const timeoutMs = optionalDuration(o['timeout'], 'getTwin.timeout') ?? env.config.timeoutMs;
    const as = optionalString(o['as'], 'getTwin.as');
    const answer = await user.device.twinRequest(undefined, timeoutMs);
    if (as !== undefined && answer.type === 'twin') context.vars[as] = { desired: answer.desired, reported: answer.reported };
  });
}

/** Compiles a `patchReported` step: the step's value is the patch itself. */
export function patchReportedStep(spec: unknown, env: StepEnv): Step {
  specOf(spec, 'patchReported');
  return asStep(env, async (user, context) => {
    const patch = record(render(env, spec ?? {}, context), 'patchReported');
    await user.device.twinRequest(patch, env.config.timeoutMs);
  });
}
