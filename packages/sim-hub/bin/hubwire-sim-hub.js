#!/usr/bin/env node
// Starts the hubwire-sim-hub CLI. Inside the hubwire workspace (the TypeScript sources are present)
// it runs them through tsx, so no build is needed; an installed package runs its compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

async function load() {
  if (existsSync(source)) {
    try {
      const { register } = await import('tsx/esm/api');
      // The package's tsconfig maps @hubwire/* to their sources, so they need no build either.
      register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
      return await import(source.href);
    } catch (error) {
      if (!existsSync(built)) throw error;
    }
  }
  if (existsSync(built)) return import(built.href);
  console.error('hubwire-sim-hub: neither the sources with tsx nor a build (dist/) were found; run `pnpm build`');
  process.exit(1);
}

const { main } = await load();
process.exit(await main(process.argv.slice(2)));
