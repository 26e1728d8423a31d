// Layout of the timeline: where each stage sits on the time axis. Pure: no DOM.
//
// Two modes:
//   linear  - true proportions (the default); on a miss the CPU work is a sliver next to the wait.
//   broken  - each stage gets a width from the log of its duration, so every stage is visible;
//             a stage drawn much narrower than its true share is marked as a broken segment.
import { niceUp } from './scale.js';

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
 * Returns { segments: [{ index, x, w, track, broken, start, end }], ticks: [{ x, ns, anchor }] }
 * for a drawing `width` wide. track is "cpu" (task on CPU) or "blocked" (task asleep).
 * `labelWidth(ns)` (optional) is the width in px of a tick's label: ticks are then chosen so that
 * no two labels overlap (see placeTicks).
 */
export function layoutTimeline(stages, { width = 1000, mode = 'linear', labelWidth = null } = {}) {
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
  return { segments, ticks: mode === 'linear' ? linearTicks(total, width, labelWidth) : brokenTicks(segments, width, labelWidth), total };
}

/**
 * Ticks at round times for a linear axis from 0 to `total` ns. With `labelWidth`, the step grows
 * (1, 2, 5 x 10^k) until no two labels overlap.
 */
export function linearTicks(total, width, labelWidth = null) {
  if (!(total > 0)) return [{ x: 0, ns: 0, anchor: 'start' }];
  let step = niceUp(total / 5);
  for (let guard = 0; guard < 40; guard++) {
    const ticks = [];
    for (let t = 0; t <= total * (1 + 1e-9); t += step) ticks.push({ x: (t / total) * width, ns: t });
    const placed = withAnchors(ticks);
    if (!labelWidth || ticks.length <= 1 || placeTicks(placed, width, labelWidth).length === placed.length) return placed;
    step = niceUp(step * 1.5);
  }
  return [{ x: 0, ns: 0, anchor: 'start' }];
}

function withAnchors(ticks) {
  return ticks.map((t, i) => ({ ...t, anchor: i === 0 ? 'start' : i === ticks.length - 1 && ticks.length > 1 ? 'end' : 'middle' }));
}

/** Where the label of a tick starts and ends, for its anchor. */
function extent(t, w) {
  if (t.anchor === 'start') return [t.x, t.x + w];
  if (t.anchor === 'end') return [t.x - w, t.x];
  return [t.x - w / 2, t.x + w / 2];
}

/**
 * Keeps the ticks whose labels do not overlap: the first and the last always (the first anchored
 * at its start, the last at its end), the others centred, left to right, each at least `gap` px
 * from its neighbours. `labelWidth(ns)` is a label's width in px.
 */
export function placeTicks(ticks, width, labelWidth, gap = 8) {
  if (ticks.length <= 1) return ticks.map((t) => ({ ...t, anchor: 'start' }));
  const first = { ...ticks[0], anchor: 'start' };
  const last = { ...ticks[ticks.length - 1], anchor: 'end' };
  const lastLeft = extent(last, labelWidth(last.ns))[0];
  const out = [first];
  let right = extent(first, labelWidth(first.ns))[1];
  if (right + gap > lastLeft) return [last]; // not even 0 and the end fit side by side
  for (const t of ticks.slice(1, -1)) {
    const m = { ...t, anchor: 'middle' };
    const [l, r] = extent(m, labelWidth(m.ns));
    if (l >= right + gap && r + gap <= lastLeft && l >= 0 && r <= width) {
      out.push(m);
      right = r;
    }
  }
  out.push(last);
  return out;
}

/**
 * Ticks for the broken axis: start, both ends of every broken segment, and the end, dropping
 * ticks closer than 8% of the width to the previous one (the end always stays), or with
 * `labelWidth`, ticks whose labels would overlap (see placeTicks).
 */
export function brokenTicks(segments, width, labelWidth = null) {
  if (!segments.length) return [{ x: 0, ns: 0, anchor: 'start' }];
  const raw = [{ x: 0, ns: 0 }];
  for (const s of segments) {
    if (s.broken) raw.push({ x: s.x, ns: s.start }, { x: s.x + s.w, ns: s.end });
  }
  const last = segments[segments.length - 1];
  const end = { x: last.x + last.w, ns: last.end };
  if (labelWidth) return placeTicks([...raw, end], width, labelWidth);
  const out = [];
  for (const t of raw) {
    if (!out.length || t.x - out[out.length - 1].x >= 0.08 * width) out.push(t);
  }
  while (out.length > 1 && end.x - out[out.length - 1].x < 0.08 * width) out.pop();
  out.push(end);
  return withAnchors(out);
}

/**
 * Where `ns` (time since the call began) falls on a layout's axis: inside the segment that holds
 * it, in proportion (so the broken axis stays monotone). Clamped to [0, end].
 */
export function xAtNs(segments, ns) {
  if (!segments.length) return 0;
  for (const s of segments) {
    if (ns <= s.end) {
      const len = s.end - s.start;
      const f = len > 0 ? Math.max(0, Math.min(1, (ns - s.start) / len)) : 1;
      return s.x + f * s.w;
    }
  }
  const last = segments[segments.length - 1];
  return last.x + last.w;
}
