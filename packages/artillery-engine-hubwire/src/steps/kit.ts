/**
 * What every step compiler shares: the engine's settings, Artillery's helpers, the metrics, and
 * the adapter from an async step body to Artillery's `(context, callback)` step shape.
 */
import type { EngineHelpers, ScenarioEvents, Step, VuContext } from '../artillery/surface.ts';
import type { EngineConfig } from '../config.ts';
import { ScenarioError } from '../errors.ts';
import type { ArtilleryMetrics } from '../metrics.ts';
import type { Lent } from '../pool.ts';
import type { DeviceLeases, VirtualUser } from '../user.ts';

/** Everything a step compiler may use. */
export interface StepEnv {
  readonly config: EngineConfig;
  readonly helpers: EngineHelpers;
  readonly events: ScenarioEvents;
  readonly metrics: ArtilleryMetrics;
  readonly leases: DeviceLeases;
  /** Processor functions (`config.processor`), by name. */
  readonly processor: Readonly<Record<string, unknown>>;
  /** The user a context belongs to. */
  userOf(context: VuContext): VirtualUser;
  /** Reads a CA file once per worker. */
  readCa(path: string): string;
  /** Lends a device of this worker's share of `config.pool`. */
  takeFromPool(): Lent;
}

/** The body of a step: runs for one user, throws ScenarioError to fail it. */
export type StepBody = (user: VirtualUser, context: VuContext) => Promise<void>;

/** Adapts an async step body to Artillery's callback style (the callback is called exactly once). */
export function asStep(env: StepEnv, body: StepBody): Step {
  return (context, done) => {
    let user: VirtualUser;
    try {
      user = env.userOf(context);
    } catch (error) {
      done(error as Error, context);
      return;
    }
    body(user, context).then(
      () => done(null, context),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error)), context),
    );
  };
}

/** The step's spec with `{{ templates }}` rendered for this user. */
export function render(env: StepEnv, value: unknown, context: VuContext): unknown {
  return env.helpers.template(value, context);
}

/** The spec of a step as a mapping (absent or `{}` allowed), or throws. */
export function specOf(value: unknown, step: string): Readonly<Record<string, unknown>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ScenarioError('invalid_scenario', `${step}: expected a mapping of settings, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
