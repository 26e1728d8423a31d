// Timing of the Run animation. Pure: no DOM, no clock; the view feeds it elapsed ms.
//
// One pace for every journey, so two runs can be compared by how long they play:
//   - slow motion: 1 ns of the call plays for `msPerNs` ms (0.6 ms: time runs 1:600,000);
//   - every stage gets `floorMs` more, so a 2 ns stage can still be seen;
//   - above `thresholdNs` (1 µs) time is compressed logarithmically: each further decade adds
//     msPerNs * thresholdNs * ln 10 ms (about 1.4 s), so an 80 µs NVMe read plays about 3.3 s
//     and a 12 ms disk read about 6.3 s, where the same pace would take 48 s and 2 hours.
// The curve is continuous, strictly increasing and smooth at the threshold: a longer stage
// always plays longer, and the longest stage is the longest beat.

export const DEFAULTS = { msPerNs: 0.6, floorMs: 90, thresholdNs: 1000 };

/** How long (ms) a stage of `ns` plays at the page's pace. */
export function paceMs(ns, opts = {}) {
  const o = { ...DEFAULTS, ...opts };
  const x = Math.max(0, Number(ns) || 0);
  if (x <= o.thresholdNs) return o.floorMs + o.msPerNs * x;
  return o.floorMs + o.msPerNs * o.thresholdNs * (1 + Math.log(x / o.thresholdNs));
}

/**
 * Plans the animation for a list of stages ({ ns, on_cpu }).
 * Returns { msPerNs, slowdown, floorMs, thresholdNs, stages, totalMs, maxCompression } where each
 * stage is { ms, startMs, endMs, naturalMs, compression }: naturalMs is how long it would play at
 * the slow-motion pace without compression, and compression = naturalMs / ms when that is above
 * 1 (the stage is shown that many times faster than the pace), else 1.
 */
export function planPlayback(stages, opts = {}) {
  const o = { ...DEFAULTS, ...opts };
  let t = 0;
  let maxCompression = 1;
  const planned = stages.map((s) => {
    const ns = Math.max(0, Number(s.ns) || 0);
    const ms = paceMs(ns, o);
    const naturalMs = ns * o.msPerNs;
    const compression = ns > o.thresholdNs && naturalMs > ms ? naturalMs / ms : 1;
    maxCompression = Math.max(maxCompression, compression);
    const p = { ms, startMs: t, endMs: t + ms, naturalMs, compression };
    t += ms;
    return p;
  });
  return {
    msPerNs: o.msPerNs, slowdown: o.msPerNs * 1e6, floorMs: o.floorMs, thresholdNs: o.thresholdNs,
    stages: planned, totalMs: t, maxCompression,
  };
}

/**
 * Where the animation is after `elapsedMs`: the current stage index, how far into it (0..1), and
 * the running totals (ns, cycles, stages begun) to show in the counters.
 */
export function positionAt(plan, stages, elapsedMs) {
  let ns = 0;
  let cycles = 0;
  for (let i = 0; i < plan.stages.length; i++) {
    const p = plan.stages[i];
    const s = stages[i];
    if (elapsedMs < p.startMs + p.ms) {
      const frac = Math.max(0, Math.min(1, (elapsedMs - p.startMs) / p.ms));
      return { index: i, frac, ns: ns + frac * (s.ns || 0), cycles: cycles + frac * (s.cycles || 0), begun: i + 1, done: false };
    }
    ns += s.ns || 0;
    cycles += s.cycles || 0;
  }
  return { index: plan.stages.length - 1, frac: 1, ns, cycles, begun: plan.stages.length, done: true };
}

/**
 * The position at the end of stage `i` (stepping lands there: stage i is the current one and
 * counted in full); the end of the last stage is the end of the call (done).
 */
export function positionAtStage(plan, stages, i) {
  const n = plan.stages.length;
  if (!n) return { index: -1, frac: 1, ns: 0, cycles: 0, begun: 0, done: true };
  const k = Math.max(0, Math.min(n - 1, i));
  let ns = 0;
  let cycles = 0;
  for (let j = 0; j <= k; j++) {
    ns += stages[j].ns || 0;
    cycles += stages[j].cycles || 0;
  }
  return { index: k, frac: 1, ns, cycles, begun: k + 1, done: k === n - 1 };
}

/** Animation time (ms) of a position from positionAt or positionAtStage. */
export function elapsedOf(plan, pos) {
  if (!pos || pos.index < 0) return 0;
  if (pos.done) return plan.totalMs;
  const p = plan.stages[pos.index];
  return p ? p.startMs + pos.frac * p.ms : 0;
}

/**
 * The stage a step from `pos` lands on, or -1 for the very start. Forward: the end of the current
 * stage when it is not finished yet, else the end of the next. Backward: the end of the previous
 * stage (from the first stage: the start). `pos` null means before the call.
 */
export function stepTarget(pos, n, dir) {
  if (!n) return -1;
  const cur = !pos ? -1 : pos.done ? n - 1 : pos.index;
  const full = Boolean(pos && (pos.done || pos.frac >= 1));
  if (dir > 0) return Math.min(n - 1, full || cur < 0 ? cur + 1 : cur);
  return Math.max(-1, cur - 1);
}

/**
 * How many times the rest of the call fits into stage `i` (its ns over everything else), or 0
 * when the rest is longer: "the rest of this call fits 13 times into this wait".
 */
export function restFits(stages, i) {
  const total = stages.reduce((a, s) => a + (s.ns || 0), 0);
  const ns = stages[i]?.ns || 0;
  const rest = total - ns;
  if (!(rest > 0) || ns < rest) return 0;
  return Math.floor(ns / rest);
}

/** Rounds a compression factor for display: 2 significant digits (14.6 -> 15, 1172 -> 1200). */
export function roundFactor(x) {
  if (!(x > 0)) return 1;
  const e = Math.floor(Math.log10(x));
  const step = 10 ** Math.max(0, e - 1);
  return Math.round(x / step) * step;
}
