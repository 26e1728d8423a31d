// Number and duration formatting. Pure: no DOM, no locale (output is the same everywhere).

/** Rounds to `sig` significant digits and drops trailing zeros: sig(33.333, 3) -> "33.3". */
export function sig(x, digits = 3) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const p = Number(x.toPrecision(digits));
  // toPrecision may give exponent form for large values; integers print plainly.
  if (Math.abs(p) >= 10 ** digits) return String(Math.round(p));
  return String(p);
}

/** Groups thousands with commas: group(1234567.8) -> "1,234,568"; keeps one decimal below 10. */
export function group(n) {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) < 10 && !Number.isInteger(n)) return String(Math.round(n * 10) / 10);
  const s = String(Math.round(Math.abs(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Cycles with thousands separators: formatCycles(252930) -> "252,930". */
export function formatCycles(c) {
  return group(c);
}

const NS_UNITS = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];

/** A duration given in nanoseconds, in the largest unit that keeps it >= 1: 84310 -> "84.3 µs". */
export function formatNs(ns) {
  if (!Number.isFinite(ns)) return '—';
  if (ns === 0) return '0 ns';
  const a = Math.abs(ns);
  for (const [f, u] of NS_UNITS) {
    if (a >= f) return `${sig(ns / f)} ${u}`;
  }
  return `${sig(ns)} ns`;
}

/** A share (0..1) as a percentage: 0.95 -> "95%", 0.0004 -> "0.04%", tiny -> "<0.01%". */
export function formatShare(share) {
  if (!Number.isFinite(share) || share <= 0) return '0%';
  const pct = share * 100;
  if (pct < 0.01) return '<0.01%';
  if (pct >= 99.95 && share < 1) return '>99.9%';
  return `${sig(pct, pct >= 10 ? 3 : 2)}%`;
}

/** A ratio as "N×": 219.3 -> "219×", 2.87 -> "2.9×", 1234 -> "1,234×", 0.5 -> "0.5×". */
export function formatRatio(r) {
  if (!Number.isFinite(r) || r <= 0) return '—';
  if (r >= 100) return `${group(r)}×`;
  if (r >= 10) return `${Math.round(r)}×`;
  return `${sig(r, 2)}×`;
}

const HUMAN_UNITS = [
  [365.25 * 86400, 'year'],
  [30.44 * 86400, 'month'],
  [7 * 86400, 'week'],
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/**
 * A duration in seconds as people say it: 930 -> "15.5 minutes", 252930 -> "2.9 days".
 * Used by the human scale, where one CPU cycle is stretched to one second.
 */
export function formatHuman(seconds) {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds === 0) return '0 seconds';
  if (seconds < 1) return `${sig(seconds, 2)} seconds`;
  for (const [f, unit] of HUMAN_UNITS) {
    if (seconds >= f) {
      const v = Number(sig(seconds / f, 3));
      const shown = v >= 100 ? group(v) : String(v);
      return `${shown} ${unit}${v === 1 ? '' : 's'}`;
    }
  }
  return `${sig(seconds)} seconds`;
}

/** Human scale: one cycle lasts one second. */
export function cyclesToHumanSeconds(cycles) {
  return cycles;
}

/**
 * Formats a stage or total duration either as real time or on the human scale.
 * `human` true -> formatHuman(cycles seconds), else formatNs(ns).
 */
export function formatDuration({ ns, cycles }, human = false) {
  return human ? formatHuman(cyclesToHumanSeconds(cycles)) : formatNs(ns);
}

/** A byte count: 16 -> "16 B", 4096 -> "4 KiB", 1073741824 -> "1 GiB". */
export function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sig(v, 3)} ${units[i]}`;
}

/** A count with its noun: plural(1, 'stage') -> "1 stage", plural(23, 'stage') -> "23 stages". */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Cycles the task spends on the CPU: its on-CPU time at the clock (sleep is time, not cycles). */
export function onCpuCycles(journey) {
  const ghz = journey?.scenario?.ghz ?? 3;
  return (journey?.totals?.on_cpu_ns ?? 0) * ghz;
}

/**
 * Whether a stage's cycles are CPU work (some CPU executes it: the task, or an interrupt handler
 * while the task sleeps). A device or a wake-up latency counted in ns is a wait: time, not cycles.
 */
export function isCpuWork(stage) {
  return Boolean(stage?.on_cpu) || stage?.unit === 'cycles';
}
