// The three lanes (USER ring 3, KERNEL ring 0, HARDWARE) as an SVG swimlane diagram, and the
// animation of one call moving through them stage by stage. Drawn in real pixels from the
// container's width so the labels keep their size on a phone.
import { formatHuman, formatNs } from '../lib/format.js';
import { LANES } from '../lib/labels.js';
import { planPlayback, positionAt } from '../lib/playback.js';
import { clamp } from '../lib/scale.js';
import { h, replace, s } from './dom.js';

const LANE_INDEX = { user: 0, kernel: 1, hardware: 2 };

/**
 * createLanes(figure, { onSelect(index), onProgress(pos, journey), onDone(journey) })
 *   .route(journey)    draw the path the call will take, nothing travelled yet
 *   .play(journey, { animate })   run the call; without animate jump to the end
 *   .skip()            finish a running animation at once
 *   .stop()            freeze it where it is (the options changed)
 *   .playing()         true while animating
 */
export function createLanes(figure, hooks = {}) {
  const holder = h('div', { class: 'lanes-svg' });
  const now = h('p', { class: 'lanes-now', 'aria-live': 'off' });
  const pace = h('p', { class: 'lanes-pace' });
  const legend = h('ul', { class: 'lanes-legend', 'aria-label': 'Legend' },
    h('li', {}, h('span', { class: 'key key-token' }), 'the call'),
    h('li', {}, h('span', { class: 'key key-run' }), 'stage done, task on CPU'),
    h('li', {}, h('span', { class: 'key key-wait' }), 'task asleep'),
    h('li', {}, h('span', { class: 'key key-todo' }), 'still ahead'),
    h('li', {}, 'click a stage for its details'));
  replace(figure, holder, h('figcaption', {}, now, pace, legend));

  let journey = null;
  let plan = null;
  let pos = null; // { index, frac, done } or null before a run
  let raf = 0;
  let startTime = 0;
  let geo = null;
  let els = null;
  let lastWidth = 0;

  function geometry(n) {
    const width = Math.max(280, Math.round(holder.clientWidth || 320));
    const narrow = width < 560;
    const padL = 8;
    const padR = 8;
    const colW = (width - padL - padR) / Math.max(1, n);
    const nodeW = clamp(colW * 0.74, 5, 42);
    const nodeH = narrow ? 16 : 20;
    const bandH = narrow ? 54 : 74;
    const cx = (i) => padL + colW * (i + 0.5);
    const cy = (lane) => (LANE_INDEX[lane] ?? 1) * bandH + bandH * 0.6;
    return { width, height: bandH * 3, narrow, colW, nodeW, nodeH, bandH, cx, cy };
  }

  function draw() {
    const stages = journey?.stages ?? [];
    geo = geometry(stages.length);
    lastWidth = geo.width;
    const { width, height, bandH, nodeW, nodeH, cx, cy, narrow } = geo;
    const svg = s('svg', {
      viewBox: `0 0 ${width} ${height}`, width, height, class: 'lanes', role: 'img',
      'aria-label': journey ? `The call's route: ${stages.length} stages across user space, the kernel and the hardware.` : 'The three lanes.',
    });
    LANES.forEach((lane, i) => {
      svg.append(s('rect', { x: 0, y: i * bandH, width, height: bandH, class: `band band-${lane.id}` }));
    });
    // The privilege boundary between ring 3 and ring 0, and the edge of the CPU.
    svg.append(s('line', { x1: 0, x2: width, y1: bandH, y2: bandH, class: 'ring-line' }));
    svg.append(s('line', { x1: 0, x2: width, y1: 2 * bandH, y2: 2 * bandH, class: 'ring-line ring-line-hw' }));
    const pts = stages.map((st, i) => [cx(i), cy(st.lane)]);
    const route = s('polyline', { points: pts.map((p) => p.join(',')).join(' '), class: 'route' });
    const travelled = s('polyline', { points: '', class: 'route-done' });
    svg.append(route, travelled);
    const nodes = stages.map((st, i) => {
      const x = cx(i) - nodeW / 2;
      const y = cy(st.lane) - nodeH / 2;
      const fill = s('rect', { x, y, width: 0, height: nodeH, rx: 3, class: 'node-fill' });
      const g = s('g', {
        class: ['node', `lane-${st.lane}`, st.on_cpu ? '' : 'blocked'], dataset: { index: String(i) },
      },
      s('title', {}, `${i + 1}. ${st.title} (${formatNs(st.ns)}${st.on_cpu ? '' : ', task asleep'})`),
      s('rect', { x, y, width: nodeW, height: nodeH, rx: 3, class: 'node-box' }),
      fill,
      geo.colW >= 22 ? s('text', { x: cx(i), y: y + nodeH + 12, class: 'node-num', 'text-anchor': 'middle' }, String(i + 1)) : null);
      g.addEventListener('click', () => hooks.onSelect?.(i));
      svg.append(g);
      return { g, fill, x };
    });
    // Lane names go on top of the route, with a halo so a crossing line does not hide them.
    LANES.forEach((lane, i) => {
      svg.append(s('text', { x: 10, y: i * bandH + (narrow ? 14 : 17), class: `band-label lane-text-${lane.id} halo-${lane.id}` },
        lane.title, s('tspan', { class: 'band-ring' }, ` · ${lane.ring}`)));
    });
    const token = s('circle', { r: narrow ? 5 : 7, cx: pts[0]?.[0] ?? 0, cy: pts[0]?.[1] ?? 0, class: 'token' });
    token.setAttribute('visibility', 'hidden');
    svg.append(token);
    els = { svg, nodes, token, travelled, pts };
    replace(holder, svg);
    paint();
  }

  function paint() {
    if (!els || !journey) return;
    const { nodes, token, travelled, pts } = els;
    const stages = journey.stages;
    const index = pos ? pos.index : -1;
    nodes.forEach((n, i) => {
      let f = 0;
      if (pos && (i < index || pos.done)) f = 1;
      else if (pos && i === index) f = pos.frac;
      n.fill.setAttribute('width', String(geo.nodeW * f));
      n.g.classList.toggle('done', f >= 1);
      n.g.classList.toggle('current', Boolean(pos && !pos.done && i === index));
    });
    if (!pos || index < 0) {
      token.setAttribute('visibility', 'hidden');
      travelled.setAttribute('points', '');
      return;
    }
    // The token glides from the previous stage for the first part of each stage, then waits.
    const p = plan?.stages[index];
    const glideMs = p ? Math.min(170, 0.4 * p.ms) : 1;
    const t = pos.done ? 1 : clamp((pos.frac * (p?.ms ?? 1)) / glideMs, 0, 1);
    const from = pts[Math.max(0, index - 1)];
    const to = pts[index];
    const x = from[0] + (to[0] - from[0]) * t;
    const y = from[1] + (to[1] - from[1]) * t;
    token.setAttribute('cx', String(x));
    token.setAttribute('cy', String(y));
    token.setAttribute('visibility', pos.done ? 'hidden' : 'visible');
    token.setAttribute('class', `token lane-${stages[index].lane}${stages[index].on_cpu ? '' : ' waiting'}`);
    travelled.setAttribute('points', [...pts.slice(0, index), [x, y]].map((q) => q.join(',')).join(' '));
  }

  function describeNow() {
    if (!journey) return;
    const stages = journey.stages;
    if (!pos) {
      replace(now, `Route: ${stages.length} stages. Press `, h('strong', {}, 'Run'), ' to send the call down.');
      return;
    }
    if (pos.done) {
      replace(now, h('strong', {}, `Returned after ${stages.length} stages: `), String(journey.result ?? '').replace(/([^.!?])$/, '$1.'));
      return;
    }
    const st = stages[pos.index];
    const p = plan.stages[pos.index];
    replace(now,
      h('span', { class: 'now-step' }, `${pos.index + 1}/${stages.length}`), ' ',
      h('strong', {}, st.title), ' ',
      h('span', { class: `chip lane-${st.lane}` }, st.lane), ' ',
      st.on_cpu ? '' : h('span', { class: 'chip chip-blocked' }, 'task asleep'), ' ',
      h('span', { class: 'num' }, formatNs(st.ns)),
      p.compression > 1 ? h('span', { class: 'now-fast' }, ` shown ${p.compression.toLocaleString('en-US')}× faster`) : '');
  }

  function describePace() {
    if (!plan || !pos || pos.done) {
      pace.textContent = '';
      pace.hidden = true;
      return;
    }
    pace.hidden = false;
    const slow = Math.round(plan.slowdown).toLocaleString('en-US');
    const waits = plan.stages.map((p, i) => ({ p, st: journey.stages[i] })).filter((x) => x.p.compression > 1);
    if (!waits.length) {
      pace.textContent = `Slow motion: about ${slow}× slower than real time.`;
      return;
    }
    const big = waits.reduce((a, b) => (b.p.naturalMs > a.p.naturalMs ? b : a));
    const what = big.st.lane === 'hardware' ? 'device wait' : 'wait';
    pace.textContent = `Slow motion: about ${slow}× slower than real time. The ${what} is shown ` +
      `${big.p.compression.toLocaleString('en-US')}× faster than that; at the same pace it would last ${formatHuman(big.p.naturalMs / 1000)}.`;
  }

  function frame(t) {
    const elapsed = t - startTime;
    pos = positionAt(plan, journey.stages, elapsed);
    paint();
    describeNow();
    describePace();
    hooks.onProgress?.(pos, journey);
    if (pos.done) {
      raf = 0;
      hooks.onDone?.(journey);
    } else {
      raf = requestAnimationFrame(frame);
    }
  }

  function stop() {
    if (raf) cancelAnimationFrame(raf);
    raf = 0;
  }

  function route(j) {
    stop();
    journey = j;
    plan = null;
    pos = null;
    draw();
    describeNow();
    describePace();
  }

  function finish() {
    stop();
    pos = positionAt(plan, journey.stages, Infinity);
    paint();
    describeNow();
    describePace();
    hooks.onProgress?.(pos, journey);
    hooks.onDone?.(journey);
  }

  function play(j, { animate = true } = {}) {
    stop();
    journey = j;
    plan = planPlayback(j.stages);
    pos = { index: 0, frac: 0, ns: 0, cycles: 0, begun: 0, done: false };
    draw();
    if (!animate || !j.stages.length) {
      finish();
      return;
    }
    startTime = performance.now();
    raf = requestAnimationFrame(frame);
  }

  draw(); // the empty lanes, before any route is known
  const ro = new ResizeObserver(() => {
    if (Math.abs((holder.clientWidth || 0) - lastWidth) > 2) draw();
  });
  ro.observe(holder);

  return {
    route,
    play,
    skip: () => raf && finish(),
    stop,
    playing: () => raf !== 0,
  };
}
