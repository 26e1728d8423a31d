// POST /api/measure and POST /api/fit for the mock server. Both answer what the real engine
// answered (fixtures made by refit.sh with `sysjourney fit`), after a short wait for a
// measurement, one measurement at a time like the real server.
import { readFileSync } from 'node:fs';

const fixture = (name) => {
  const doc = JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
  delete doc._comment;
  return doc;
};

/** The answer to POST api/measure: a real measurement of a quiet KVM guest, fitted (see fixtures/measure-raw.json). */
export const MEASURE = fixture('measure.json');
/** The answer to POST api/fit of any good document: fixtures/measure-file.json as the engine fitted it. */
export const FITTED_FILE = fixture('fit-file.json');

/** How long the mock "measures". Long enough for a test to see the busy state, short enough not to slow the suite. */
export const MEASURE_DELAY_MS = 400;

const error = (status, message, field = '', value = '', allowed = '') => ({ status, body: { error: message, field, value, allowed } });

/** The probe directory on tmpfs: nothing can reach a device, so the device probes are skipped. */
function onTmpfs() {
  const m = structuredClone(MEASURE);
  Object.assign(m.host, { dir: '/tmp', fs: 'tmpfs', device: 'unknown', block_device: null, rotational: null, scheduler: null });
  m.host.notes = ['/tmp is on tmpfs: reads there never reach a block device'];
  const skip = {
    read_file_cold: 'the probe directory is on tmpfs: no read there reaches a device',
    read_direct: 'the probe directory is on tmpfs: O_DIRECT would read memory, not a device',
  };
  m.probes = m.probes.map((p) => (skip[p.id] ? { id: p.id, skipped: skip[p.id], iterations: 0, model_ns: p.model_ns, calibrated_ns: p.calibrated_ns, fitted: false } : p));
  m.verdict = { ...m.verdict, predicted: m.verdict.predicted - 2, within: m.verdict.within - ['read_file_cold', 'read_direct'].filter((id) => MEASURE.probes.find((p) => p.id === id)?.within).length };
  m.fit_notes = ["host.device 'unknown' is not in the model: the preset's device latency is kept"];
  return m;
}

/** Other programs kept the CPUs busy all through: the load record says so. */
function loaded() {
  const m = structuredClone(MEASURE);
  m.load = {
    ...m.load, busy: true, busy_rounds: 5, retries: 2, waited_s: 0.5, steal_pct: 0.2, delay_pct: 10.9, other_cpus_pct: 99.1,
    probe_cpu_pct: 12.9, run_queue: 2, loadavg_1m: 1.85,
    reason: 'the timing thread waited 11% of the time for its CPU; other processes used 99% of the other CPUs; 2.0 other tasks were ready to run on 2 CPUs (5 of 5 rounds busy after 2 retries)',
  };
  return m;
}

let running = false;

/**
 * Resolves to { status, body }: what the mock answers to POST api/measure. `flag` (the
 * X-Mock-Measure header): busy 429, off 403, fail 500, tmpfs (device probes skipped), loaded
 * (a busy machine), slow (five times the wait).
 */
export async function measureAnswer(flag) {
  if (flag === 'busy' || running) return error(429, 'a measurement is already running on this machine; try again when it ends');
  if (flag === 'off') {
    return error(403, 'measurement is turned off on this server (started with --no-measure, or bound to a public address without --allow-measure)');
  }
  running = true;
  try {
    await new Promise((resolve) => setTimeout(resolve, flag === 'slow' ? 5 * MEASURE_DELAY_MS : MEASURE_DELAY_MS));
    if (flag === 'fail') return error(500, 'measurement failed: cannot create the probe directory under /var/tmp: No space left on device', 'dir', '/var/tmp');
    return { status: 200, body: flag === 'tmpfs' ? onTmpfs() : flag === 'loaded' ? loaded() : MEASURE };
  } finally {
    running = false;
  }
}

/**
 * What the mock answers to POST api/fit: the engine's refusals for the mistakes a test makes
 * (the words of core/fit.cc), else FITTED_FILE whatever the probes say (the mock cannot fit).
 */
export function fitAnswer(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return error(400, 'the measure file is not valid JSON', 'file', '', 'sysjourney.measure/1 JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return error(400, 'the measure file must be a JSON object', 'file', '', 'an object');
  if (doc.schema !== 'sysjourney.measure/1') {
    const got = typeof doc.schema === 'string' ? doc.schema : '';
    return error(400, `schema '${got}' is not sysjourney.measure/1`, 'schema', got, 'sysjourney.measure/1');
  }
  if (!Array.isArray(doc.probes)) return error(400, "'probes' must be a list of probes", 'probes', '', '[{"id": ..., "median_ns": ...}]');
  for (const [i, p] of doc.probes.entries()) {
    const field = `probes[${i}]`;
    if (!p || typeof p !== 'object') return error(400, `${field} must be an object`, field, JSON.stringify(p), 'an object with id and median_ns');
    if (!p.id) return error(400, `${field}.id is missing`, `${field}.id`, '', 'a probe id');
    if (p.skipped === undefined || p.skipped === null) {
      const m = p.median_ns;
      if (typeof m !== 'number' || !(m > 0) || m > 1e12) {
        return error(400, `${field}.median_ns (${p.id}) must be a number above 0`, `${field}.median_ns`, m === undefined ? '' : JSON.stringify(m),
          'a positive number of ns, at most 1e12');
      }
    }
  }
  return { status: 200, body: FITTED_FILE };
}
