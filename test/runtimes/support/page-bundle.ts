/**
 * The browser test's page: test/runtimes/browser/page.ts and the libraries it imports, bundled
 * by esbuild as a browser app would be (`platform: 'browser'`, ESM, minified, nothing external,
 * no Node polyfills), from the packages' built `dist` (the workspace tsconfig's `paths` to the
 * sources are not applied), and served from 127.0.0.1 so the page is a secure context with
 * WebCrypto.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { WORKSPACE } from './workspace.ts';

/** The built page script and what went into it. */
export interface PageBundle {
  readonly code: string;
  /** Every file esbuild read, relative to the workspace root. */
  readonly inputs: readonly string[];
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** The page script, relative to the workspace root. */
export const PAGE_SOURCE = 'test/runtimes/browser/page.ts';

/** Bundles the page; rejects with esbuild's errors (e.g. `Could not resolve "buffer"`). */
export async function bundlePage(): Promise<PageBundle> {
  const result = await build({
    absWorkingDir: WORKSPACE,
    entryPoints: [join(WORKSPACE, PAGE_SOURCE)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    // An empty tsconfig: the packages resolve through their package.json `exports`, as for a user.
    tsconfigRaw: {},
  });
  const code = result.outputFiles[0]?.text ?? '';
  return { code, inputs: Object.keys(result.metafile.inputs), bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code).length };
}

/** A page server on 127.0.0.1: `/` is an HTML page loading `/page.js`. */
export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the bundle behind a minimal HTML page. */
export async function servePage(bundle: PageBundle): Promise<PageServer> {
  const html = '<!doctype html><meta charset="utf-8"><title>hubwire in the browser</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>';
  const server: Server = createServer((request, response) => {
    const [type, body] = request.url === '/page.js' ? ['text/javascript', bundle.code] : request.url === '/' ? ['text/html', html] : ['text/plain', 'not found'];
    response.writeHead(body === 'not found' ? 404 : 200, { 'content-type': `${type}; charset=utf-8` });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
