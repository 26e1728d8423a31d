// POST /api/measure for the mock server: the answer of a real `sysjourney measure --quick` kept
// in fixtures/measure.json, after a short wait, one measurement at a time like the real server.
import { readFileSync } from 'node:fs';

export const MEASURE = JSON.parse(readFileSync(new URL('./fixtures/measure.json', import.meta.url), 'utf8'));
delete MEASURE._comment;

/** How long the mock "measures". Long enough for a test to see the busy state, short enough not to slow the suite. */
export const MEASURE_DELAY_MS = 400;

const error = (status, message, field = '', value = '', allowed = '') => ({ status, body: { error: message, field, value, allowed } });

/** The probe directory on tmpfs: nothing can reach a device, so the device probes are skipped. */
function onTmpfs() {
  const m = structuredClone(MEASURE);
  Object.assign(m.host, { dir: '/tmp', fs: 'tmpfs', device: 'unknown', block_device: null, rotational: null, scheduler: null });
  m.host.notes = ['/tmp is on tmpfs: reads there never reach a block device'];
  const skip = {
    read_file_cold: 'pages stay in the page cache after POSIX_FADV_DONTNEED (1 of 1)',
    read_direct: 'the probe directory is on tmpfs: O_DIRECT would read memory, not a device',
  };
  m.probes = m.probes.map((p) => (skip[p.id] ? { id: p.id, skipped: skip[p.id], iterations: 0, model_ns: p.model_ns, calibrated_ns: p.calibrated_ns, fitted: p.fitted } : p));
  delete m.profile.device_ns;
  m.notes = ["read_direct did not run here: the device latency stays at the model's"];
  return m;
}

let running = false;

/** Resolves to { status, body }: what the mock answers, as JSON. */
export async function measureAnswer(flag) {
  if (flag === 'busy' || running) return error(429, 'a measurement is already running on this machine; try again when it ends');
  if (flag === 'off') {
    return error(403, 'measurement is turned off on this server (started with --no-measure, or bound to a public address without --allow-measure)');
  }
  running = true;
  try {
    await new Promise((resolve) => setTimeout(resolve, flag === 'slow' ? 5 * MEASURE_DELAY_MS : MEASURE_DELAY_MS));
    if (flag === 'fail') return error(500, 'measurement failed: cannot create the probe directory under /var/tmp: No space left on device', 'dir', '/var/tmp');
    return { status: 200, body: flag === 'tmpfs' ? onTmpfs() : MEASURE };
  } finally {
    running = false;
  }
}
