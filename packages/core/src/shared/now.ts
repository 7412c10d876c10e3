/** The one check every engine method taking `now` runs first. */
import { InvalidTimeError } from './errors.ts';

/**
 * Throws InvalidTimeError unless `now` is a finite number; every engine method taking `now` calls it
 * first, before any other check, so a refused call changes nothing. A NaN `now` would arm deadlines
 * that never fire (NaN compares false with everything) and an infinite one deadlines that never or
 * always fire, silently. A `now` below an earlier one is accepted: deadlines are absolute, so they
 * simply fire once the caller's clock reaches them again (a clock that steps back costs only delay).
 */
export function checkNow(now: number): void {
  if (!Number.isFinite(now)) throw new InvalidTimeError(now);
}
