#!/usr/bin/env node
// The command's entry: the compiled CLI (run `pnpm build` in a checkout first).
import '../dist/cli.js';
