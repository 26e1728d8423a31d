// Exports of a journey (sysjourney.journey/1): CSV and Chrome trace-event JSON. Pure: no DOM.

const LANE_TID = { user: 1, kernel: 2, hardware: 3 };
const LANE_NAME = { user: 'USER (ring 3)', kernel: 'KERNEL (ring 0)', hardware: 'HARDWARE' };

/** One CSV field, quoted when it holds a comma, quote or newline (RFC 4180). */
export function csvField(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = ['index', 'id', 'title', 'lane', 'on_cpu', 'cycles', 'ns', 'start_ns', 'share', 'low_ns',
  'high_ns', 'per', 'visible_to', 'functions', 'source'];

/** The stages as CSV, one row per stage, lists joined with spaces. Ends with a newline. */
export function toCSV(journey) {
  const rows = [CSV_COLUMNS.join(',')];
  startTimes(journey.stages).forEach((start, i) => {
    const st = journey.stages[i];
    const values = {
      index: i + 1, ...st, start_ns: start,
      on_cpu: st.on_cpu ? 'on_cpu' : 'blocked',
      visible_to: (st.visible_to ?? []).join(' '),
      functions: (st.functions ?? []).join(' '),
    };
    rows.push(CSV_COLUMNS.map((c) => csvField(values[c])).join(','));
  });
  return rows.join('\r\n') + '\r\n';
}

/** Start of each stage in ns: the engine's start_ns when given, else the running sum. */
export function startTimes(stages) {
  let t = 0;
  return stages.map((st) => {
    const start = Number.isFinite(st.start_ns) ? st.start_ns : t;
    t = start + (st.ns ?? 0);
    return start;
  });
}

/**
 * Chrome trace-event format (chrome://tracing, Perfetto): one complete event ("ph":"X") per
 * stage with ts and dur in microseconds, one thread per lane, named by metadata events.
 */
export function toTraceEvents(journey) {
  const pid = 1;
  const events = [{ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: `read() journey: ${journey.path?.title ?? ''}`.trim() } }];
  for (const [lane, tid] of Object.entries(LANE_TID)) {
    events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: LANE_NAME[lane] } });
    events.push({ name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: tid } });
  }
  const starts = startTimes(journey.stages);
  journey.stages.forEach((st, i) => {
    events.push({
      name: st.title ?? st.id,
      cat: `${st.lane},${st.on_cpu ? 'on_cpu' : 'blocked'}`,
      ph: 'X',
      ts: starts[i] / 1000,
      dur: (st.ns ?? 0) / 1000,
      pid,
      tid: LANE_TID[st.lane] ?? 4,
      args: { id: st.id, cycles: st.cycles, ns: st.ns, on_cpu: st.on_cpu, functions: st.functions ?? [], visible_to: st.visible_to ?? [], source: st.source },
    });
  });
  return { traceEvents: events, displayTimeUnit: 'ns', otherData: { schema: journey.schema, scenario: journey.scenario, result: journey.result } };
}

/** A file name stem for exports: "sysjourney-cache=hit" or "sysjourney-default". */
export function exportName(query) {
  const q = (query || 'default').replace(/&/g, '_').replace(/[^A-Za-z0-9_=.-]/g, '');
  return `sysjourney-${q}`.slice(0, 120);
}
