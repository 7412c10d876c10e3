/** Where the workspace and its three sans-IO libraries are, for tests that leave the workspace. */
import { fileURLToPath } from 'node:url';

/** The workspace root, with a trailing slash. */
export const WORKSPACE = fileURLToPath(new URL('../../../', import.meta.url));

/** The three sans-IO libraries, by package name and folder under packages/. */
export const LIBRARIES = [
  ['@hubwire/topics', 'topics'],
  ['@hubwire/sas', 'sas'],
  ['@hubwire/core', 'core'],
] as const;
