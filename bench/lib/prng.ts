// Every bench run splits streams identically: the engines' own seeded source.
export { seededRandom } from '@hubwire/core';

/** Integer in [min, max] from `random`. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
