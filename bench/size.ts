/**
 * Suite — size: what hubwire adds to a browser bundle. esbuild bundles an entry that uses one
 * thing (`DeviceEngine`; `ProvisioningEngine`; all of `@hubwire/topics` and `@hubwire/sas`) from the
 * built packages, for the browser (no Node polyfills: a Node built-in anywhere fails the build),
 * minified and tree-shaken; the output is then gzipped at level 9. Each package's share of the
 * minified bytes comes from esbuild's metafile.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { RESULTS_DIR } from './lib/harness.ts';
import { addSummary, formatBytes, formatNumber } from './lib/report.ts';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The bundles measured: an entry module each, and the goal its gzipped size is held to. */
const BUNDLES: readonly { name: string; entry: string; maxGzip?: number }[] = [
  { name: 'DeviceEngine', entry: "export { DeviceEngine } from '@hubwire/core';", maxGzip: 15_000 },
  { name: 'ProvisioningEngine', entry: "export { ProvisioningEngine } from '@hubwire/core';" },
  { name: 'topics + sas (everything)', entry: "export * from '@hubwire/topics';\nexport * from '@hubwire/sas';" },
];

/** A bundle's sizes: minified, gzipped, and each package's share of the minified bytes. */
interface BundleSize {
  readonly name: string;
  readonly minified: number;
  readonly gzipped: number;
  readonly byPackage: Record<string, number>;
  /** The files that put the most bytes into the bundle, largest first. */
  readonly largestFiles: readonly { readonly file: string; readonly bytes: number }[];
}

/** The package a bundled input file belongs to, from its path. */
function packageOf(path: string): string {
  const match = /packages\/([^/]+)\//.exec(path) ?? /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return match === null ? path : match[1] === undefined ? path : `${match[1]}`;
}

async function measure(name: string, entry: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: entry, resolveDir: BENCH_DIR, loader: 'js', sourcefile: `${name}.entry.js` },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // The bench's tsconfig (no paths): every @hubwire package resolves to its dist, as for a user.
    tsconfig: `${BENCH_DIR}tsconfig.json`,
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild wrote nothing for ${name}`);
  const byPackage: Record<string, number> = {};
  const files: { file: string; bytes: number }[] = [];
  for (const meta of Object.values(result.metafile.outputs)) {
    for (const [path, input] of Object.entries(meta.inputs)) {
      if (input.bytesInOutput === 0) continue; // the entry module, re-exports
      const pkg = packageOf(path);
      byPackage[pkg] = (byPackage[pkg] ?? 0) + input.bytesInOutput;
      files.push({ file: path.replace(/^.*packages\/([^/]+)\/dist\//, '$1/'), bytes: input.bytesInOutput });
    }
  }
  const largestFiles = files.sort((a, b) => b.bytes - a.bytes).slice(0, 8);
  return { name, minified: output.contents.length, gzipped: gzipSync(output.contents, { level: 9 }).length, byPackage, largestFiles };
}

/** Runs the size suite. */
export async function sizeSuite(): Promise<void> {
  const sizes: BundleSize[] = [];
  for (const { name, entry } of BUNDLES) sizes.push(await measure(name, entry));
  console.log('\n## size\n');
  console.log('browser bundle (esbuild, minified, ES2022)   minified     gzip -9   by package (minified bytes)');
  for (const s of sizes) {
    const parts = Object.entries(s.byPackage).map(([pkg, bytes]) => `${pkg} ${formatNumber(bytes)}`).join(', ');
    console.log(`  ${s.name.padEnd(42)} ${formatBytes(s.minified).padStart(9)}  ${formatBytes(s.gzipped).padStart(10)}   ${parts}`);
  }
  const device = sizes[0] as BundleSize;
  console.log(`\n  largest files in the ${device.name} bundle (minified bytes): ${device.largestFiles.map((f) => `${f.file} ${formatNumber(f.bytes)}`).join(', ')}`);
  for (const [i, s] of sizes.entries()) {
    const maxGzip = BUNDLES[i]?.maxGzip;
    addSummary({
      suite: 'size',
      what: `browser bundle of ${s.name}, minified / gzipped`,
      hubwire: `${formatBytes(s.minified)} / ${formatBytes(s.gzipped)}`,
      baseline: '',
      value: s.gzipped,
      ...(maxGzip === undefined ? {} : { goal: { max: maxGzip, text: `≤ ${formatBytes(maxGzip)} gzipped` } }),
    });
  }
  writeFileSync(`${RESULTS_DIR}size.json`, `${JSON.stringify({ suite: 'size', date: new Date().toISOString(), bundles: sizes }, null, 2)}\n`);
}
