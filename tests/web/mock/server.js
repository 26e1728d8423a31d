// Static + mock API server for developing and testing web/ without the C++ server.
//   node mock/server.js [--port 8080] [--prefix /sj/] [--api http://127.0.0.1:8765/]
// Serves ../../web/ under the prefix and answers <prefix>api/{model,run,compare} from the
// fixtures (run also as the engine's CSV and trace events: format=csv, format=trace-event) and POST <prefix>api/measure from fixtures/measure.json, or, with --api, forwards them
// to a running real server (so the page as it is on disk can be tried against the real engine
// without rebuilding the binary that embeds it). Sends the Content-Security-Policy the real
// server is meant to send, so the browser tests catch inline scripts or style attributes.
//
// POST api/measure takes MEASURE_DELAY_MS like a real measurement takes its seconds, answers 429
// to a second POST while one runs, and honours a request header for the failures a test wants:
//   X-Mock-Measure: busy    429, as while another measurement runs
//   X-Mock-Measure: off     403, as a server started with --no-measure
//   X-Mock-Measure: fail    500, a measurement that failed
//   X-Mock-Measure: tmpfs   200, a probe directory on tmpfs: the device probes skipped, with notes
//   X-Mock-Measure: loaded  200, measured while other programs kept the CPUs busy (load.busy)
//   X-Mock-Measure: slow    200 after five times the usual wait (to overlap two measurements)
// (a test sets it with Playwright's route.continue({ headers })). A refusal that is the kernel's
// own answer (O_DIRECT with a size that is not a multiple of 512) carries "errno": "EINVAL". POST api/fit answers the
// engine's fit of fixtures/measure-file.json for any good document, and the engine's 400 for a
// bad one (see measure.js); GET api/run takes profile= as the engine does, roughly.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL, ScenarioError, buildJourney, compareJourneys, journeyCsv, journeyTraceEvent, parseScenario } from './journey.js';
import { fitAnswer, measureAnswer } from './measure.js';

export const WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url));

export const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.json': 'application/json', '.md': 'text/markdown; charset=utf-8', '.ico': 'image/x-icon',
};

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function runFromParams(params) {
  return buildJourney(parseScenario(params));
}

async function proxy(req, res, upstream, route, query) {
  const url = new URL(`api/${route}`, upstream.endsWith('/') ? upstream : `${upstream}/`);
  url.search = query.toString();
  try {
    const post = req.method === 'POST';
    const r = await fetch(url, post
      ? { method: 'POST', body: await readBody(req), headers: { 'Content-Type': req.headers['content-type'] ?? 'application/json' } }
      : { method: 'GET' });
    res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'application/json', 'Cache-Control': 'no-store' });
    res.end(Buffer.from(await r.arrayBuffer()));
  } catch (e) {
    sendJson(res, 502, { error: `upstream ${upstream} unreachable: ${e.message}` });
  }
}

/** The request body as text (the server refuses more than 96 KiB: 413). */
function readBody(req, limit = 96 * 1024) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= limit) parts.push(c);
    });
    req.on('end', () => (size > limit ? reject(Object.assign(new Error('request body too large'), { status: 413 })) : resolve(Buffer.concat(parts).toString('utf8'))));
    req.on('error', reject);
  });
}

// GET api/model as the engine answers it: the whole model, or with view=page the model without
// the stages and paths the page never reads (server/api.cc).
function modelAnswer(res, query) {
  for (const [key, value] of query) {
    if (key !== 'view') return sendJson(res, 400, { error: `unknown parameter '${key}' for model`, field: 'option', value: key, allowed: 'view' });
    if (value !== 'page') return sendJson(res, 400, { error: `invalid value '${value}' for view`, field: 'view', value, allowed: 'page' });
  }
  if (!query.has('view')) return sendJson(res, 200, MODEL);
  const page = { ...MODEL };
  delete page.stages;
  delete page.paths;
  return sendJson(res, 200, page);
}

function api(req, res, route, query) {
  if (route === 'fit') {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendJson(res, 405, { error: `method ${req.method} is not allowed on /api/fit`, field: 'method', value: req.method, allowed: 'POST' });
    }
    return readBody(req).then((text) => {
      const { status, body } = fitAnswer(text);
      sendJson(res, status, body);
    }, (e) => sendJson(res, e.status ?? 400, { error: e.message, field: 'request', value: '', allowed: '' }));
  }
  if (route === 'measure') {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendJson(res, 405, { error: `method ${req.method} is not allowed on /api/measure`, field: 'method', value: req.method, allowed: 'POST' });
    }
    return measureAnswer(req.headers['x-mock-measure'] ?? '').then(({ status, body }) => sendJson(res, status, body));
  }
  try {
    if (route === 'model') return modelAnswer(res, query);
    if (route === 'run') {
      const j = runFromParams(query);
      const format = query.get('format') ?? 'json';
      if (format === 'csv') {
        res.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8', 'Cache-Control': 'no-store' });
        return res.end(journeyCsv(j));
      }
      return sendJson(res, 200, format === 'trace-event' ? journeyTraceEvent(j) : j);
    }
    if (route === 'compare') {
      const a = runFromParams(new URLSearchParams(query.get('a') ?? ''));
      const b = runFromParams(new URLSearchParams(query.get('b') ?? ''));
      return sendJson(res, 200, compareJourneys(a, b));
    }
    return sendJson(res, 404, { error: `no such endpoint: /api/${route}` });
  } catch (e) {
    if (e instanceof ScenarioError) {
      return sendJson(res, 400, { error: e.message, field: e.field, value: e.value, allowed: e.allowed, ...(e.errno ? { errno: e.errno } : {}) });
    }
    return sendJson(res, 500, { error: String(e) });
  }
}

/** Starts the server; resolves to { server, url } where url ends with the prefix. */
export function startMock({ port = 0, host = '127.0.0.1', prefix = '/', apiUpstream = '' } = {}) {
  if (!prefix.endsWith('/')) prefix += '/';
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end('not found');
      return;
    }
    const rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel.startsWith('api/')) {
      if (apiUpstream) return proxy(req, res, apiUpstream, rel.slice(4), url.searchParams);
      return api(req, res, rel.slice(4), url.searchParams);
    }
    const file = normalize(join(WEB_ROOT, rel === '' ? 'index.html' : rel));
    if (!file.startsWith(WEB_ROOT) || file.split(sep).includes('..')) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({ server, url: `http://${host}:${p}${prefix}` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const apiUpstream = arg('--api', '');
  const { url } = await startMock({ port: Number(arg('--port', 8080)), prefix: arg('--prefix', '/'), apiUpstream });
  console.log(`mock server: ${url}${apiUpstream ? ` (API from ${apiUpstream})` : ''}`);
}
