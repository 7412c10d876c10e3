/**
 * The part of Artillery an engine meets, typed from how Artillery's runner calls engines: it
 * `require`s `artillery-engine-<name>`, constructs it with `(script, events, helpers)` once per
 * worker, calls `createScenario(spec, events)` once per scenario, and then calls the returned
 * function once per virtual user with a fresh context and a Node-style callback.
 */

/** A virtual user's context: `vars` feed `{{ templates }}`, `funcs` the `{{ $fn() }}` helpers. */
export interface VuContext {
  vars: Record<string, unknown>;
  funcs?: Readonly<Record<string, (...args: never[]) => unknown>>;
  [key: string]: unknown;
}

/** The callback every step and scenario ends with, exactly once. */
export type StepCallback = (error: Error | null | undefined, context: VuContext) => void;

/** One compiled step: Artillery's helpers (loops, think) compose these. */
export type Step = (context: VuContext, done: StepCallback) => void;

/** A processor function named by a `function` step or a scenario hook. */
export type ProcessorFunction = (context: VuContext, events: ScenarioEvents, next: (error?: Error) => void) => unknown;

/** What Artillery's runner listens to on the scenario event emitter. */
export interface ScenarioEvents {
  emit(event: 'started'): boolean;
  emit(event: 'counter' | 'histogram', name: string, value: number): boolean;
  emit(event: 'rate', name: string): boolean;
  emit(event: 'error', code: string): boolean;
}

/** A scenario as written under `scenarios:`. */
export interface ScenarioSpec {
  readonly name?: string;
  readonly engine?: string;
  readonly flow?: readonly unknown[];
  readonly beforeScenario?: string | readonly string[];
  readonly afterScenario?: string | readonly string[];
}

/** The script: `config` as written, with `processor` already loaded into an object of functions. */
export interface ArtilleryScript {
  readonly config: {
    readonly target?: string;
    readonly engines?: Readonly<Record<string, unknown>>;
    readonly processor?: unknown;
    /** Arrival phases; in each worker of `artillery run`, those Artillery divided carry `worker` (1-based) and `totalWorkers`. */
    readonly phases?: readonly unknown[];
    readonly defaults?: { readonly think?: Readonly<Record<string, unknown>> };
  };
  /** The script's absolute path (set by `artillery run`). */
  readonly _scriptPath?: string;
}

/** `@artilleryio/int-commons`' engine_util, the helpers the runner passes to every engine. */
export interface EngineHelpers {
  /** Renders `{{ var }}` and `{{ $fn(…) }}` in a string, or deeply in a copy of an object or array. */
  template(value: unknown, context: VuContext): unknown;
  /** A step that waits `spec.think` seconds (or a duration string), with optional jitter. */
  createThink(spec: { readonly think: unknown; readonly jitter?: unknown }, defaults: Readonly<Record<string, unknown>>): Step;
  /** A step that runs `steps` `count` times (a number, `"1-5"`, or -1 for ever), `over` a list, or `whileTrue`. */
  createLoopWithCount(
    count: unknown,
    steps: readonly Step[],
    options: { readonly loopValue?: string; readonly loopElement?: string; readonly overValues?: unknown; readonly whileTrue?: unknown },
  ): Step;
}
