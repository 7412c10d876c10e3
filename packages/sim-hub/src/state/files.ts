/**
 * Small file helpers for the state folder: writes land whole or not at all (temporary file in the
 * same folder, fsync, rename over the old one), so a crash mid-write never leaves half a file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `text` to `path` atomically; `mode` applies to a newly made file (e.g. 0o600 for keys). */
export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const temporary = temporaryPath(path);
  const handle = await open(temporary, 'w', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The synchronous twin of writeFileAtomic, for the last save while the process exits. */
export function writeFileAtomicSync(path: string, text: string, mode = 0o644): void {
  const temporary = temporaryPath(path);
  const fd = openSync(temporary, 'w', mode);
  try {
    writeSync(fd, text, null, 'utf8');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The file's text, or undefined when it does not exist (other errors are thrown). */
export async function readOptionalText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** readOptionalText, synchronously. */
export function readOptionalTextSync(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A sibling name no other writer picks: `.{name}.{random}.tmp`. */
function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}
