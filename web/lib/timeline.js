// Layout of the timeline: where each stage sits on the time axis. Pure: no DOM.
//
// Two modes:
//   linear  - true proportions; on a miss the CPU work is a sliver next to the wait.
//   broken  - each stage gets a width from the log of its duration, so every stage is visible;
//             a stage drawn much narrower than its true share is marked as a broken segment.
import { startTimes } from './export.js';
import { niceUp } from './scale.js';

/**
 * Returns { segments: [{ index, x, w, track, broken, start, end }], ticks: [{ x, ns }] } for a
 * drawing `width` wide. track is "cpu" (task on CPU) or "blocked" (task asleep).
 */
export function layoutTimeline(stages, { width = 1000, mode = 'broken' } = {}) {
  const starts = startTimes(stages);
  const total = stages.reduce((a, s) => a + (s.ns || 0), 0);
  const weights = stages.map((s) => (mode === 'linear' ? s.ns || 0 : 0.35 + Math.log10(1 + (s.ns || 0))));
  const wsum = weights.reduce((a, b) => a + b, 0) || 1;
  let x = 0;
  const segments = stages.map((s, i) => {
    const w = (weights[i] / wsum) * width;
    const trueShare = total > 0 ? (s.ns || 0) / total : 0;
    const seg = {
      index: i, x, w, track: s.on_cpu ? 'cpu' : 'blocked',
      broken: mode !== 'linear' && trueShare > 5 * (w / width),
      start: starts[i], end: starts[i] + (s.ns || 0),
    };
    x += w;
    return seg;
  });
  return { segments, ticks: mode === 'linear' ? linearTicks(total, width) : brokenTicks(segments, width), total };
}

/** Ticks at round times for a linear axis from 0 to `total` ns. */
export function linearTicks(total, width) {
  if (!(total > 0)) return [{ x: 0, ns: 0 }];
  const step = niceUp(total / 5);
  const ticks = [];
  for (let t = 0; t <= total * (1 + 1e-9); t += step) ticks.push({ x: (t / total) * width, ns: t });
  return ticks;
}

/**
 * Ticks for the broken axis: start, both ends of every broken segment, and the end, dropping
 * ticks closer than 8% of the width to the previous one (the end always stays).
 */
export function brokenTicks(segments, width) {
  if (!segments.length) return [{ x: 0, ns: 0 }];
  const raw = [{ x: 0, ns: 0 }];
  for (const s of segments) {
    if (s.broken) raw.push({ x: s.x, ns: s.start }, { x: s.x + s.w, ns: s.end });
  }
  const last = segments[segments.length - 1];
  const end = { x: last.x + last.w, ns: last.end };
  const out = [];
  for (const t of raw) {
    if (!out.length || t.x - out[out.length - 1].x >= 0.08 * width) out.push(t);
  }
  while (out.length > 1 && end.x - out[out.length - 1].x < 0.08 * width) out.pop();
  out.push(end);
  return out;
}
