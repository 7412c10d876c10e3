/**
 * Turns a scenario's `flow` into Artillery steps. Each flow item is a mapping with one step
 * name; `loop` and `think` are built with Artillery's own helpers, so they behave exactly as in
 * every other engine (`count`, `over`, `whileTrue`, `$loopCount`; think durations and jitter).
 */
import type { ProcessorFunction, Step, VuContext } from '../artillery/surface.ts';
import { ScenarioError } from '../errors.ts';
import { getTwinStep, patchReportedStep } from './twin.ts';
import { connectStep } from './connect.ts';
import { disconnectStep } from './disconnect.ts';
import type { StepEnv } from './kit.ts';
import { handleMethodsStep } from './methods.ts';
import { sendStep } from './send.ts';
import { waitForC2dStep } from './c2d.ts';

/** The device steps, by name. */
const DEVICE_STEPS: Readonly<Record<string, (spec: unknown, env: StepEnv) => Step>> = {
  connect: connectStep,
  send: sendStep,
  getTwin: getTwinStep,
  patchReported: patchReportedStep,
  handleMethods: handleMethodsStep,
  waitForC2d: waitForC2dStep,
  disconnect: disconnectStep,
};

/** Every step name a flow may use. */
export const STEP_NAMES: readonly string[] = [...Object.keys(DEVICE_STEPS), 'think', 'loop', 'function', 'log'];

/** Compiles every item of `flow`; throws ScenarioError (`invalid_scenario`) naming the first bad one. */
export function compileFlow(flow: unknown, env: StepEnv, where: string): Step[] {
  if (!Array.isArray(flow)) throw new ScenarioError('invalid_scenario', `${where} must be a list of steps`);
  return flow.flat().map((item: unknown, index) => compileStep(item, env, `${where}[${index}]`));
}

/** Compiles one flow item. */
function compileStep(item: unknown, env: StepEnv, where: string): Step {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new ScenarioError('invalid_scenario', `${where}: a step is a mapping such as { send: … }, got ${JSON.stringify(item)}`);
  }
  const step = item as Record<string, unknown>;
  if ('loop' in step) {
    only(step, ['loop', 'count', 'over', 'whileTrue', 'loopValue', 'loopElement'], where);
    // whileTrue is called as (context, done(boolean)), not as a step function.
    const whileTrue = step['whileTrue'] === undefined ? undefined : processorFunction(env, step['whileTrue'], `${where}.whileTrue`);
    if (step['count'] === undefined && step['over'] === undefined && whileTrue === undefined) {
      throw new ScenarioError('invalid_scenario', `${where}: a loop needs count, over or whileTrue (count: -1 loops until the test ends)`);
    }
    return env.helpers.createLoopWithCount(step['count'] ?? -1, compileFlow(step['loop'], env, `${where}.loop`), {
      loopValue: typeof step['loopValue'] === 'string' ? step['loopValue'] : '$loopCount',
      ...(typeof step['loopElement'] === 'string' ? { loopElement: step['loopElement'] } : {}),
      ...(step['over'] === undefined ? {} : { overValues: step['over'] }),
      ...(whileTrue === undefined ? {} : { whileTrue }),
    });
  }
  if ('think' in step) {
    only(step, ['think', 'jitter'], where);
    return env.helpers.createThink(step as { think: unknown; jitter?: unknown }, env.config.thinkDefaults);
  }
  const names = Object.keys(step);
  const name = names[0];
  if (names.length !== 1 || name === undefined) {
    throw new ScenarioError('invalid_scenario', `${where}: a step has exactly one name (${STEP_NAMES.join(', ')}), got ${names.join(', ') || 'none'}`);
  }
  if (name === 'function') return functionStep(env, processorFunction(env, step['function'], where));
  if (name === 'log') return logStep(env, step['log']);
  const compile = DEVICE_STEPS[name];
  if (compile === undefined) throw new ScenarioError('invalid_scenario', `${where}: unknown step "${name}" (known: ${STEP_NAMES.join(', ')})`);
  return compile(step[name], env);
}

/** A processor function by name, or throws. */
export function processorFunction(env: StepEnv, name: unknown, where: string): ProcessorFunction {
  const fn = typeof name === 'string' ? env.processor[name] : undefined;
  if (typeof fn !== 'function') {
    throw new ScenarioError('invalid_scenario', `${where}: no processor function ${JSON.stringify(name)} (config.processor exports ${Object.keys(env.processor).join(', ') || 'nothing'})`);
  }
  return fn as ProcessorFunction;
}

/** Runs a processor function `(context, events, next)`, callback- or promise-style, as Artillery's engines do. */
export function runProcessorFunction(env: StepEnv, fn: ProcessorFunction, context: VuContext): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: unknown): void => {
      if (error === undefined || error === null) resolve();
      else reject(new ScenarioError('function_failed', `${fn.name || 'processor function'}: ${error instanceof Error ? error.message : String(error)}`));
    };
    try {
      const result = fn(context, env.events, settle);
      if (result instanceof Promise) result.then(() => settle(), settle);
    } catch (error) {
      settle(error);
    }
  });
}

function functionStep(env: StepEnv, fn: ProcessorFunction): Step {
  return (context, done) => {
    runProcessorFunction(env, fn, context).then(
      () => done(null, context),
      (error: Error) => done(error, context),
    );
  };
}

function logStep(env: StepEnv, message: unknown): Step {
  return (context, done) => {
    console.log(String(env.helpers.template(message, context)));
    done(null, context);
  };
}

/** Throws for keys a loop or think step does not take. */
function only(step: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const key of Object.keys(step)) {
    if (!keys.includes(key)) throw new ScenarioError('invalid_scenario', `${where}: "${key}" is not a setting of this step (${keys.join(', ')})`);
  }
}
