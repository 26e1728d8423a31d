// The timeline: a time axis with two tracks, where the task runs on the CPU and where it
// sleeps. Linear (true proportions, the default) or broken (log-width) axis. SVG drawn in real
// pixels. A playhead follows the animation (progress), so the timeline stays in step with the lanes.
import { formatDuration, formatNs } from '../lib/format.js';
import { layoutTimeline, xAtNs } from '../lib/timeline.js';
import { h, replace, s, watchWidth } from './dom.js';

// Tick labels are 11px monospace: about 6.7 px a character.
const CHAR_PX = 6.7;

/**
 * createTimeline(holder, { onSelect(index) })
 *   -> { render(journey, { human, mode }), progress(pos), clear(message) }
 * pos: { index, ns, done } from the animation, or null (the whole call, no playhead).
 */
export function createTimeline(holder, hooks = {}) {
  let last = null;
  let drawn = null; // { svg, segs, layout, gutter, head, y0, y1 }
  let lastPos = null;

  function render(journey, { human = false, mode = 'linear' } = {}) {
    last = { journey, human, mode };
    const width = Math.max(280, watch.width() || 320);
    const narrow = width < 560;
    const gutter = narrow ? 58 : 84;
    const plotW = width - gutter - 12;
    const trackH = narrow ? 22 : 26;
    const y = { cpu: 12, blocked: 12 + trackH + 10 };
    const axisY = y.blocked + trackH + 10;
    const height = axisY + 34;
    const ghz = journey.scenario?.ghz ?? 3;
    const label = (ns) => (ns === 0 ? '0' : formatDuration({ ns, cycles: ns * ghz }, human));
    const { segments, ticks } = layoutTimeline(journey.stages, { width: plotW, mode, labelWidth: (ns) => label(ns).length * CHAR_PX + 2 });
    const svg = s('svg', {
      viewBox: `0 0 ${width} ${height}`, width, height, class: 'timeline', role: 'img',
      'aria-label': `Timeline, ${mode === 'linear' ? 'linear' : 'broken'} axis: the task is on the CPU for ${formatNs(journey.totals.on_cpu_ns)} and asleep for ${formatNs(journey.totals.blocked_ns)}.`,
    });
    svg.append(
      s('text', { x: gutter - 8, y: y.cpu + trackH / 2 + 4, class: 'track-label', 'text-anchor': 'end' }, 'on CPU'),
      s('text', { x: gutter - 8, y: y.blocked + trackH / 2 + 4, class: 'track-label', 'text-anchor': 'end' }, 'asleep'),
      s('rect', { x: gutter, y: y.cpu, width: plotW, height: trackH, class: 'track' }),
      s('rect', { x: gutter, y: y.blocked, width: plotW, height: trackH, class: 'track' }),
      s('line', { x1: gutter, x2: gutter + plotW, y1: axisY, y2: axisY, class: 'axis' }));
    const segEls = [];
    for (const seg of segments) {
      const st = journey.stages[seg.index];
      const yy = y[seg.track];
      const w = Math.max(seg.w - (mode === 'linear' ? 0 : 1), mode === 'linear' ? 0.75 : 1);
      const g = s('g', { class: `seg lane-${st.lane}${seg.track === 'blocked' ? ' blocked' : ''}`, dataset: { index: String(seg.index) } },
        s('title', {}, `${seg.index + 1}. ${st.title}: ${formatNs(st.ns)} (${st.on_cpu ? 'on CPU' : 'asleep'})`),
        s('rect', { x: gutter + seg.x, y: yy, width: w, height: trackH, class: 'seg-box' }));
      if (seg.broken && seg.w > 14) {
        const mx = gutter + seg.x + seg.w / 2;
        g.append(s('path', { d: `M${mx - 5},${yy + trackH + 3} l6,-${trackH + 6} M${mx + 1},${yy + trackH + 3} l6,-${trackH + 6}`, class: 'break-mark' }));
      }
      g.addEventListener('click', () => hooks.onSelect?.(seg.index));
      svg.append(g);
      segEls.push(g);
    }
    for (const t of ticks) {
      const x = gutter + t.x;
      svg.append(s('line', { x1: x, x2: x, y1: axisY, y2: axisY + 5, class: 'tick' }),
        s('text', { x, y: axisY + 18, class: 'tick-label num', 'text-anchor': t.anchor ?? 'middle' }, label(t.ns)));
    }
    const head = s('line', { x1: gutter, x2: gutter, y1: y.cpu - 4, y2: axisY, class: 'playhead' });
    head.setAttribute('visibility', 'hidden');
    svg.append(head);
    drawn = { svg, segs: segEls, segments, gutter, head };
    replace(holder, svg);
    progress(lastPos);
  }

  /** Moves the playhead to where the animation is and marks its stage; null: the whole call. */
  function progress(pos) {
    lastPos = pos && !pos.done ? pos : null;
    if (!drawn) return;
    const { segs, segments, gutter, head } = drawn;
    segs.forEach((g, i) => {
      g.classList.toggle('current', Boolean(lastPos && i === lastPos.index));
      g.classList.toggle('future', Boolean(lastPos && i > lastPos.index));
    });
    if (!lastPos) {
      head.setAttribute('visibility', 'hidden');
      drawn.svg.dataset.playheadNs = '';
      return;
    }
    const x = gutter + xAtNs(segments, lastPos.ns);
    head.setAttribute('x1', String(x));
    head.setAttribute('x2', String(x));
    head.setAttribute('visibility', 'visible');
    drawn.svg.dataset.playheadNs = String(lastPos.ns);
  }

  // watchWidth calls only when the width has moved by more than 2 px since it last told us.
  const watch = watchWidth(holder, () => {
    if (last) render(last.journey, last);
  });
  // Measured now, while the page has no new content to lay out, rather than in the first render.
  watch.read();

  return {
    render,
    progress,
    clear(message) {
      last = null;
      drawn = null;
      replace(holder, h('p', { class: 'placeholder' }, message));
    },
  };
}
