// Scales and small layout math for bars, axes and the animation. Pure: no DOM.

/**
 * A log10 scale from `domain` [d0, d1] (both > 0) to `range` [r0, r1]. Values at or below d0 map
 * to r0, values above d1 to r1. logScale([1, 1e5], [0, 100])(1e3) -> 60.
 */
export function logScale([d0, d1], [r0, r1]) {
  const l0 = Math.log10(d0);
  const span = Math.log10(d1) - l0 || 1;
  const f = (v) => {
    if (!(v > d0)) return r0;
    const t = Math.min(1, (Math.log10(v) - l0) / span);
    return r0 + t * (r1 - r0);
  };
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

/** Rounds up to 1, 2 or 5 times a power of ten: nice(260) -> 500, nice(1) -> 1, nice(0.3) -> 0.5. */
export function niceUp(x) {
  if (!(x > 0)) return 1;
  const e = Math.floor(Math.log10(x));
  const base = 10 ** e;
  for (const m of [1, 2, 5, 10]) {
    if (x <= m * base * (1 + 1e-9)) return m * base;
  }
  return 10 * base;
}

/**
 * Width (0..1) of a log-scale bar for a stage of `ns` within a journey whose stages range up to
 * `maxNs`. Shows 3 decades below the largest plus a minimum sliver so tiny stages stay visible.
 */
export function logBarFraction(ns, maxNs, decades = 4) {
  if (!(ns > 0) || !(maxNs > 0)) return 0;
  const lo = maxNs / 10 ** decades;
  const s = logScale([lo, maxNs], [0, 1]);
  return Math.max(0.02, s(ns));
}

/** Clamps x to [lo, hi]. */
export function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x));
}
