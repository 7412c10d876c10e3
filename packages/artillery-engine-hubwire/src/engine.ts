/**
 * The Artillery engine. Artillery loads `artillery-engine-hubwire` when a script lists
 * `config.engines.hubwire`, builds one engine per worker with `(script, events, helpers)`, and
 * asks it for one function per scenario; every virtual user then runs that function once.
 *
 * A user's flow runs step by step. The first failure ends the user: it is counted under
 * `hubwire.errors.<kind>`, reported to Artillery as the error `hubwire.<kind>` (so it shows as
 * `errors.hubwire.<kind>` and in `vusers.failed`), and the device is closed. Every wait inside a
 * step is bounded, so a user always ends.
 */
import { readFileSync } from 'node:fs';
import type { ArtilleryScript, EngineHelpers, ScenarioEvents, ScenarioSpec, Step, StepCallback, VuContext } from './artillery/surface.ts';
import { readEngineConfig, type EngineConfig } from './config.ts';
import { messageOf, ScenarioError } from './errors.ts';
import { ArtilleryMetrics } from './metrics.ts';
import { compileFlow, processorFunction, runProcessorFunction } from './steps/compile.ts';
import type { StepEnv } from './steps/kit.ts';
import { DevicePool, workerShare } from './pool.ts';
import { DeviceLeases, VirtualUser } from './user.ts';

/** The name scripts use: `config.engines.hubwire` and `engine: hubwire`. */
export const ENGINE_NAME = 'hubwire';

/** An Artillery engine whose virtual users are IoT Hub devices. */
export class HubwireEngine {
  readonly #script: ArtilleryScript;
  readonly #helpers: EngineHelpers;
  readonly #config: EngineConfig | ScenarioError;
  readonly #leases = new DeviceLeases();
  readonly #users = new WeakMap<VuContext, VirtualUser>();
  readonly #caFiles = new Map<string, string>();
  readonly #reported = new Set<string>();
  #pool: DevicePool | undefined;

  /** Called by Artillery once per worker. A bad config fails every user with a message instead of crashing the worker. */
  constructor(script: ArtilleryScript, _events: unknown, helpers: EngineHelpers) {
    this.#script = script;
    this.#helpers = helpers;
    let config: EngineConfig | ScenarioError;
    try {
      config = readEngineConfig(script, ENGINE_NAME);
    } catch (error) {
      config = error instanceof ScenarioError ? error : new ScenarioError('invalid_scenario', messageOf(error));
    }
    this.#config = config;
  }

  /** Compiles a scenario; returns the function Artillery calls once per virtual user. */
  createScenario(spec: ScenarioSpec, events: ScenarioEvents): (context: VuContext, callback: StepCallback) => void {
    const metrics = new ArtilleryMetrics(events);
    let compiled: { steps: Step[]; before: Step[]; after: Step[] } | ScenarioError;
    try {
      if (this.#config instanceof ScenarioError) throw this.#config;
      const env = this.#env(this.#config, events, metrics);
      const hooks = (names: ScenarioSpec['beforeScenario'], where: string): Step[] =>
        (names === undefined ? [] : typeof names === 'string' ? [names] : [...names]).map((name) => {
          const fn = processorFunction(env, name, where);
          return (context, done) => runProcessorFunction(env, fn, context).then(() => done(null, context), (error: Error) => done(error, context));
        });
      compiled = {
        steps: compileFlow(spec.flow ?? [], env, `scenario ${JSON.stringify(spec.name ?? 'unnamed')} flow`),
        before: hooks(spec.beforeScenario, 'beforeScenario'),
        after: hooks(spec.afterScenario, 'afterScenario'),
      };
    } catch (error) {
      compiled = error instanceof ScenarioError ? error : new ScenarioError('invalid_scenario', messageOf(error));
    }
    const plan = compiled;
    return (context, callback) => {
      events.emit('started');
      const user = new VirtualUser();
      this.#users.set(context, user);
      const run = plan instanceof ScenarioError ? Promise.reject(plan) : this.#run([...plan.before, ...plan.steps, ...plan.after], context);
      run
        .then(
          () => null,
          (error: unknown) => this.#failed(error, metrics),
        )
        .then(async (error) => {
          await user.release().catch(() => undefined);
          this.#users.delete(context);
          callback(error, context);
        });
    };
  }

  /** Runs steps one after another; rejects with the first failure. */
  async #run(steps: readonly Step[], context: VuContext): Promise<void> {
    for (const step of steps) {
      await new Promise<void>((resolve, reject) => {
        try {
          step(context, (error) => (error === null || error === undefined ? resolve() : reject(error)));
        } catch (error) {
          reject(error); // Artillery's think throws for an unreadable duration
        }
      });
    }
  }

  /** Reports a failed user to Artillery and returns the error for its callback. */
  #failed(error: unknown, metrics: ArtilleryMetrics): Error {
    const failure = error instanceof ScenarioError ? error : new ScenarioError('invalid_scenario', messageOf(error));
    metrics.fail(failure.kind);
    // A broken scenario fails every user the same way: say why once per worker, not once per user.
    if (failure.kind === 'invalid_scenario' && !this.#reported.has(failure.message)) {
      this.#reported.add(failure.message);
      console.error(`artillery-engine-hubwire: ${failure.message}`);
    }
    return failure;
  }

  #env(config: EngineConfig, events: ScenarioEvents, metrics: ArtilleryMetrics): StepEnv {
    const processor = this.#script.config.processor;
    return {
      config,
      helpers: this.#helpers,
      events,
      metrics,
      leases: this.#leases,
      processor: typeof processor === 'object' && processor !== null ? (processor as Record<string, unknown>) : {},
      userOf: (context) => {
        const user = this.#users.get(context);
        if (user === undefined) throw new ScenarioError('invalid_scenario', 'a step ran outside its scenario');
        return user;
      },
      takeFromPool: () => {
        const pool = config.pool;
        if (pool === undefined) throw new ScenarioError('invalid_scenario', 'connect.pool needs config.engines.hubwire.pool with a file of connection strings');
        this.#pool ??= DevicePool.fromFile(pool.file, pool.slice, workerShare(this.#script.config.phases));
        return this.#pool.take();
      },
      readCa: (path) => {
        let pem = this.#caFiles.get(path);
        if (pem === undefined) {
          try {
            pem = readFileSync(path, 'utf8');
          } catch (error) {
            throw new ScenarioError('invalid_scenario', `ca: cannot read ${path}: ${messageOf(error)}`);
          }
          this.#caFiles.set(path, pem);
        }
        return pem;
      },
    };
  }
}
