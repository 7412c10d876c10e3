/**
 * The dashboard's files, served as they are (plain HTML, CSS and JavaScript modules: no build step).
 * They live beside the sources in `src/service/dashboard/` and the package ships that folder, so the
 * same path resolves from `src/service/` and from `dist/service/`. Only names in the folder listing
 * taken at start are served: no path from a request ever reaches the file system.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard folder, from this module in `src/service/` or in `dist/service/`. */
export const DASHBOARD_DIR: string = fileURLToPath(new URL('../../src/service/dashboard/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** What the page may load: its own files and its own API, nothing else. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** URL path → file contents and type, read once. */
export class DashboardFiles {
  readonly #files = new Map<string, { body: Buffer; type: string }>();

  /** Reads every file of the dashboard folder and its subfolders. */
  constructor(directory = DASHBOARD_DIR) {
    this.#read(directory, '/dashboard');
    const index = this.#files.get('/dashboard/index.html');
    if (index !== undefined) this.#files.set('/', index);
  }

  #read(directory: string, urlPath: string): void {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        this.#read(path, `${urlPath}/${entry.name}`);
        continue;
      }
      const type = CONTENT_TYPES[extname(entry.name)];
      if (entry.isFile() && type !== undefined) this.#files.set(`${urlPath}/${entry.name}`, { body: readFileSync(path), type });
    }
  }

  /** Writes the file for `pathname` (GET or HEAD) and returns true, or returns false when there is none. */
  serve(pathname: string, method: string, response: ServerResponse): boolean {
    const file = this.#files.get(pathname);
    if (file === undefined || (method !== 'GET' && method !== 'HEAD')) return false;
    response.writeHead(200, { 'Content-Type': file.type, 'Content-Length': String(file.body.length), ...SECURITY_HEADERS });
    response.end(method === 'HEAD' ? undefined : file.body);
    return true;
  }
}
