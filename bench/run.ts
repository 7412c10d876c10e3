/**
 * Runs the benchmark suites: `pnpm bench` (all) or `pnpm bench -- decode` (by name).
 * Results: a table per suite on stdout, JSON and benny's chart HTML under bench/results/.
 */
import { decodeSuite } from './decode.ts';
import { encodeSuite } from './encode.ts';
import { engineSuite } from './engine.ts';
import { utf8Suite } from './utf8.ts';

const SUITES: Record<string, () => Promise<void>> = {
  encode: encodeSuite,
  decode: decodeSuite,
  utf8: utf8Suite,
  engine: engineSuite,
};

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const unknown = wanted.filter((w) => !(w in SUITES));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}
for (const [name, suite] of Object.entries(SUITES)) {
  if (wanted.length === 0 || wanted.includes(name)) await suite();
}
