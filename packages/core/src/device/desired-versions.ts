/**
 * Desired-property versions already seen (docs/protocol.md §9 "Reconnection flow"): a patch is surfaced
 * only if its `$version` is above every version surfaced by a patch or fetched with the twin, so
 * duplicates, stale patches and patches already reflected in a re-read twin are dropped.
 * Versions only increase on the service side, so one number is the whole state.
 */

/** The highest desired `$version` seen; -1 before any. */
export class DesiredVersions {
  private highest = -1;

  /** The highest version seen, or undefined before any. */
  get latest(): number | undefined {
    return this.highest < 0 ? undefined : this.highest;
  }

  /** Records a patch at `version`; returns false (drop it) when a version at or above it was seen. */
  offer(version: number): boolean {
    if (version <= this.highest) return false;
    this.highest = version;
    return true;
  }

  /** Records the desired `$version` of a fetched twin: patches up to it are already reflected there. */
  fetched(version: number): void {
    if (version > this.highest) this.highest = version;
  }
}

/** A `$version` when it is a non-negative safe integer, else undefined. */
export function versionOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
