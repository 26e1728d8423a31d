// Timing of the "Run read()" animation. Pure: no DOM, no clock; the view feeds it elapsed ms.
//
// Everything is shown in slow motion: on-CPU stages share about `cpuMs` of screen time in
// proportion to their real duration (with a floor so short stages can be seen). Waiting stages
// at the same pace could take minutes or days, so each is sped up by a round factor
// (1, 2, 5 x 10^k) until it fits in `waitMs`; the page states that factor.
import { niceUp } from './scale.js';

export const DEFAULTS = { cpuMs: 2800, waitMs: 1800, minStageMs: 110, maxStageMs: 700 };

/**
 * Plans the animation for a list of stages ({ ns, on_cpu }).
 * Returns { msPerNs, slowdown, stages: [{ ms, compression, startMs }], totalMs, maxCompression }.
 * `slowdown` is how many times slower than real time the on-CPU part runs.
 */
export function planPlayback(stages, opts = {}) {
  const o = { ...DEFAULTS, ...opts };
  const cpuNs = stages.filter((s) => s.on_cpu).reduce((a, s) => a + (s.ns || 0), 0);
  const allNs = stages.reduce((a, s) => a + (s.ns || 0), 0);
  const msPerNs = o.cpuMs / (cpuNs > 0 ? cpuNs : allNs > 0 ? allNs : 1);
  let t = 0;
  let maxCompression = 1;
  const planned = stages.map((s) => {
    const natural = (s.ns || 0) * msPerNs;
    let ms;
    let compression = 1;
    if (!s.on_cpu && natural > o.waitMs) {
      compression = niceUp(natural / o.waitMs);
      ms = Math.max(o.minStageMs, natural / compression);
    } else {
      ms = Math.min(o.maxStageMs, Math.max(o.minStageMs, natural));
    }
    maxCompression = Math.max(maxCompression, compression);
    const p = { ms, compression, startMs: t, naturalMs: natural };
    t += ms;
    return p;
  });
  return { msPerNs, slowdown: msPerNs * 1e6, stages: planned, totalMs: t, maxCompression };
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
