/**
 * What the fuzzer checks while a case runs, engine-agnostic: every request (a twin request, a DPS
 * registration) ends in exactly one event; no event is of a type outside the engine's union; an
 * intent that throws throws a HubwireError and leaves everything the driver can observe as it was.
 */
import { HubwireError } from '@hubwire/core';

/** A broken invariant, with what the case was doing. */
export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

/** Throws FuzzFailure with `message` unless `condition`. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new FuzzFailure(message);
}

/** Requests issued and their endings, by rid. */
export class Ledger {
  /** Rids the application was handed: each must end exactly once. */
  readonly issued = new Set<string>();
  /** Endings seen per rid (the engine's own requests included): never more than one. */
  private readonly endings = new Map<string, number>();

  /** A request the application started. */
  issue(rid: string): void {
    check(!this.issued.has(rid), `rid ${rid} was handed out twice`);
    this.issued.add(rid);
  }

  /** An event that ends the request `rid`. */
  ended(rid: string, type: string): void {
    const n = (this.endings.get(rid) ?? 0) + 1;
    check(n === 1, `request ${rid} ended twice (the second time with ${type})`);
    this.endings.set(rid, n);
  }

  /** At the end of a case: every issued request ended exactly once. */
  allEnded(): void {
    for (const rid of this.issued) check(this.endings.get(rid) === 1, `request ${rid} never ended`);
  }
}

/** Counts what cases did (event types, refusal codes), to show a run reached what it should. */
export type Tally = Map<string, number>;

/** Adds one to `key` in `tally`, if there is one. */
export function count(tally: Tally | undefined, key: string): void {
  if (tally !== undefined) tally.set(key, (tally.get(key) ?? 0) + 1);
}

/** Runs an intent that may be refused: a refusal must be a HubwireError and change nothing observable. */
export function attempt<T>(describe: () => string, observe: () => string, quiet: () => boolean, intent: () => T, tally?: Tally): T | undefined {
  const before = observe();
  try {
    return intent();
  } catch (error) {
    check(error instanceof HubwireError, `${describe()} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}, not a HubwireError`);
    check(observe() === before, `${describe()} threw ${(error as HubwireError).code} but changed the engine: ${before} → ${observe()}`);
    check(quiet(), `${describe()} threw ${(error as HubwireError).code} but queued bytes or events`);
    count(tally, `refused ${(error as HubwireError).code}`);
    return undefined;
  }
}
