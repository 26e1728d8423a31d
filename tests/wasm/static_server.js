// A plain static file server for the site wasm/site.sh builds: files only, no API, like any
// static host or CDN. Used by the tests here and to run tests/web's browser tests against dist/.
//
//   node tests/wasm/static_server.js [--root dist] [--port 0] [--host 127.0.0.1] [--prefix /]
//     prints "serving http://HOST:PORT/PREFIX" once listening
//   import { startStatic } from './static_server.js';
//   const { url, server } = await startStatic({ root, prefix: '/sj/' });
//
// GET and HEAD only; "/" and directories give index.html; correct MIME types (application/wasm
// for .wasm, which WebAssembly.instantiateStreaming insists on). With --csp it sends the page's
// Content-Security-Policy plus 'wasm-unsafe-eval', what a host needs to allow for the engine.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

// The server's policy (server/server.cc) with WebAssembly compilation allowed.
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
  + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Starts serving `root` under `prefix`. Resolves to { url, server, close() }. */
export function startStatic({ root, port = 0, host = '127.0.0.1', prefix = '/', csp = false, log = null } = {}) {
  const base = path.resolve(root);
  if (!prefix.startsWith('/')) prefix = `/${prefix}`;
  if (!prefix.endsWith('/')) prefix += '/';
  const server = createServer(async (req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    log?.(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(405, 'method not allowed\n');
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    if (pathname === prefix.slice(0, -1)) {
      res.setHeader('Location', prefix);
      return send(301, 'moved\n');
    }
    if (!pathname.startsWith(prefix)) return send(404, 'not found\n');
    let file = path.join(base, pathname.slice(prefix.length));
    if (file !== base && !file.startsWith(base + path.sep)) return send(404, 'not found\n');
    try {
      let st = await stat(file);
      if (st.isDirectory()) {
        file = path.join(file, 'index.html');
        st = await stat(file);
      }
      const headers = {
        'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': st.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      };
      if (csp && file.endsWith('.html')) headers['Content-Security-Policy'] = CSP;
      res.writeHead(200, headers);
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch {
      send(404, 'not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({ url: `http://${host}:${p}${prefix}`, server, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const here = path.dirname(fileURLToPath(import.meta.url));
  const { url } = await startStatic({
    root: opt('root', path.join(here, '../../dist')),
    port: Number(opt('port', '0')),
    host: opt('host', '127.0.0.1'),
    prefix: opt('prefix', '/'),
    csp: args.includes('--csp'),
  });
  console.log(`serving ${url}`);
}
