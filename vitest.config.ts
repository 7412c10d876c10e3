import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (name: string): string =>
  fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@hubwire/topics': source('topics'),
      '@hubwire/sas': source('sas'),
      '@hubwire/core': source('core'),
      '@hubwire/node': source('node'),
      '@hubwire/sim-hub': source('sim-hub'),
      '@hubwire/fleet': source('fleet'),
      'artillery-engine-hubwire': source('artillery-engine-hubwire'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});
