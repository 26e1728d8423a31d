// The main figure: the three lanes (USER ring 3, KERNEL ring 0, HARDWARE) with one node per
// stage, a strip under them that shows every stage to scale (linear: its length is its share of
// the time), a fan joining each node to its part of the strip, the Run animation, a player
// (step back, play or pause, step on, a scrubber) and the stage's details beside the figure.
//
// Wide (>= 520 px): stages run left to right, short names above them. Narrow (a phone): stages
// run top to bottom, names on the left, the strip on the right. Drawn in real pixels from the
// container's width so the labels keep their size.
import { formatNs, formatShare, group } from '../lib/format.js';
import { LANES } from '../lib/labels.js';
import { elapsedOf, planPlayback, positionAt, positionAtStage, restFits, roundFactor, stepTarget } from '../lib/playback.js';
import { clamp } from '../lib/scale.js';
import { stageShortName } from '../lib/short_names.js';
import { layoutTimeline } from '../lib/timeline.js';
import { h, prefersReducedMotion, replace, s, watchWidth } from './dom.js';

const LANE_INDEX = { user: 0, kernel: 1, hardware: 2 };
// Short names are 11px sans: about 7 px a character (DejaVu Sans is wide).
const CHAR_PX = 7;

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function seconds(ms) {
  const v = ms / 1000;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} s`;
}

/**
 * createLanes(figure, { onSelect(index), onProgress(pos, journey), onDone(journey), onPlay(journey), onPause(journey) })
 *   .route(journey)    draw the path the call will take, nothing travelled yet (no player)
 *   .play(journey, { animate })   run the call; without animate jump to the end
 *   .skip()            finish a running animation at once
 *   .stop()            freeze it where it is (the options changed)
 *   .playing()         true while animating
 *   .reveal()          scroll the figure into view when it is not
 * onSelect(i) asks for the stage's full details (in the trace); the player's position goes out
 * through onProgress, so the counters, the trace and the timeline follow every step and scrub.
 */
export function createLanes(figure, hooks = {}) {
  const holder = h('div', { class: 'lanes-svg' });
  const back = h('button', { type: 'button', class: 'btn btn-player', id: 'lanes-back', title: 'Previous stage (←)', disabled: true }, '‹', h('span', { class: 'sr-only' }, ' Previous stage'));
  const playBtn = h('button', { type: 'button', class: 'btn btn-player btn-play', id: 'lanes-play', disabled: true }, 'Play');
  const next = h('button', { type: 'button', class: 'btn btn-player', id: 'lanes-next', title: 'Next stage (→)', disabled: true }, '›', h('span', { class: 'sr-only' }, ' Next stage'));
  const scrub = h('input', {
    type: 'range', id: 'lanes-scrub', class: 'lanes-scrub', min: '0', max: '1', step: 'any', value: '0', disabled: true,
    'aria-label': 'Scrub through the call (← → one stage)',
  });
  const clock = h('output', { class: 'lanes-clock num', id: 'lanes-clock', for: 'lanes-scrub' });
  const player = h('div', { class: 'lanes-player', role: 'group', 'aria-label': 'Player' }, back, playBtn, next, scrub, clock);
  const detail = h('aside', { class: 'lanes-detail', id: 'lanes-detail', 'aria-label': 'The stage', 'aria-live': 'off' });
  const now = h('p', { class: 'lanes-now', 'aria-live': 'off' });
  const pace = h('p', { class: 'lanes-pace' });
  const scaleLine = h('p', { class: 'lanes-scale' });
  const legend = h('ul', { class: 'lanes-legend', 'aria-label': 'Legend' },
    h('li', {}, h('span', { class: 'key key-token' }), 'the call'),
    h('li', {}, h('span', { class: 'key key-run' }), 'stage done, task on CPU'),
    h('li', {}, h('span', { class: 'key key-wait' }), 'task asleep'),
    h('li', {}, h('span', { class: 'key key-todo' }), 'still ahead'),
    h('li', {}, 'a stage (or ← →) for its details'));
  // Wide: the lanes, the player and the caption on the left, the stage beside them; narrow: the
  // stage comes right after the player.
  replace(figure, h('div', { class: 'lanes-main' }, holder, player), detail, h('figcaption', {}, now, pace, scaleLine, legend));

  let journey = null;
  let plan = null;
  let ran = false; // the journey was run: the player works (a route is only a preview)
  let pos = null; // { index, frac, ns, cycles, begun, done } or null before a run
  let elapsed = 0;
  let raf = 0;
  let startTime = 0;
  let chosen = -1; // the stage the reader picked (details beside), -1: follow the call
  let geo = null;
  let els = null;
  let shownDetail = '';

  // ---- geometry ---------------------------------------------------------------------------

  function geometry(stages) {
    const n = Math.max(1, stages.length);
    const width = Math.max(280, watch.width() || 320);
    const names = stages.map((st) => stageShortName(st));
    const longest = Math.max(24, ...names.map((t) => t.length * CHAR_PX));
    const horizontal = width >= 520 && (width - 16) / n >= 20;
    const total = stages.reduce((a, st) => a + (st.ns || 0), 0);
    if (horizontal) {
      const padL = 8;
      const diag = longest * Math.SQRT1_2; // names at -45°
      let padR = 8;
      let colW = (width - padL - padR) / n;
      padR = Math.max(8, diag - colW / 2 + 6);
      colW = (width - padL - padR) / n;
      const head = Math.round(diag + 14);
      const bandH = 60;
      const bandsEnd = head + 3 * bandH;
      const fanD = 40;
      const stripT = 16;
      const stripAt = bandsEnd + fanD;
      const len = width - padL - padR;
      const segs = layoutTimeline(stages, { width: len, mode: 'linear' }).segments;
      const nodeW = clamp(colW * 0.72, 6, 40);
      const nodeH = 18;
      const cx = (i) => padL + colW * (i + 0.5);
      const cy = (lane) => head + (LANE_INDEX[lane] ?? 1) * bandH + bandH * 0.58;
      return {
        horizontal, width, height: stripAt + stripT + 22, names, total, segs, nodeW, nodeH, cx, cy, colW, head, bandH,
        bandsEnd, stripAt, stripT, padL, len,
        center: (i) => [cx(i), cy(stages[i].lane)],
        fan: (i) => {
          const sg = segs[i];
          return [[cx(i) - colW / 2, bandsEnd], [cx(i) + colW / 2, bandsEnd], [padL + sg.x + sg.w, stripAt], [padL + sg.x, stripAt]];
        },
        stripRect: (sg) => ({ x: padL + sg.x, y: stripAt, width: Math.max(0, sg.w), height: stripT }),
        along: (ns) => padL + (total > 0 ? (ns / total) * len : 0),
      };
    }
    const head = 24;
    const rowH = 20;
    const gutter = Math.round(longest * 0.93 + 28);
    const fanD = 26;
    const stripT = 12;
    const laneW = (width - gutter - fanD - stripT - 8) / 3;
    const lanesEnd = gutter + 3 * laneW;
    const stripAt = lanesEnd + fanD;
    const len = n * rowH;
    const segs = layoutTimeline(stages, { width: len, mode: 'linear' }).segments;
    const nodeW = clamp(laneW * 0.5, 10, 40);
    const nodeH = 14;
    const cx = (lane) => gutter + (LANE_INDEX[lane] ?? 1) * laneW + laneW / 2;
    const cy = (i) => head + rowH * (i + 0.5);
    return {
      horizontal, width, height: head + len + 8, names, total, segs, nodeW, nodeH, cx, cy, rowH, head, gutter, laneW,
      lanesEnd, stripAt, stripT, len,
      center: (i) => [cx(stages[i].lane), cy(i)],
      fan: (i) => {
        const sg = segs[i];
        return [[lanesEnd, cy(i) - rowH / 2], [stripAt, head + sg.x], [stripAt, head + sg.x + sg.w], [lanesEnd, cy(i) + rowH / 2]];
      },
      stripRect: (sg) => ({ x: stripAt, y: head + sg.x, width: stripT, height: Math.max(0, sg.w) }),
      along: (ns) => head + (total > 0 ? (ns / total) * len : 0),
    };
  }

  // ---- drawing ----------------------------------------------------------------------------

  function draw() {
    const stages = journey?.stages ?? [];
    geo = geometry(stages);
    const g0 = geo;
    const { width, height } = g0;
    figure.dataset.orient = g0.horizontal ? 'h' : 'v';
    const svg = s('svg', {
      viewBox: `0 0 ${width} ${height}`, width, height, class: `lanes ${g0.horizontal ? 'lanes-h' : 'lanes-v'}`, role: 'group',
      'aria-label': journey ? `The call's route: ${plural(stages.length, 'stage')} across user space, the kernel and the hardware, and under them each stage to scale.` : 'The three lanes.',
    });
    if (g0.horizontal) {
      LANES.forEach((lane, i) => {
        svg.append(s('rect', { x: 0, y: g0.head + i * g0.bandH, width, height: g0.bandH, class: `band band-${lane.id}` }));
      });
      // The privilege boundary between ring 3 and ring 0, and the edge of the CPU.
      svg.append(s('line', { x1: 0, x2: width, y1: g0.head + g0.bandH, y2: g0.head + g0.bandH, class: 'ring-line' }));
      svg.append(s('line', { x1: 0, x2: width, y1: g0.head + 2 * g0.bandH, y2: g0.head + 2 * g0.bandH, class: 'ring-line ring-line-hw' }));
    } else {
      LANES.forEach((lane, i) => {
        svg.append(s('rect', { x: g0.gutter + i * g0.laneW, y: 0, width: g0.laneW, height, class: `band band-${lane.id}` }));
      });
      svg.append(s('line', { x1: g0.gutter + g0.laneW, x2: g0.gutter + g0.laneW, y1: 0, y2: height, class: 'ring-line' }));
      svg.append(s('line', { x1: g0.gutter + 2 * g0.laneW, x2: g0.gutter + 2 * g0.laneW, y1: 0, y2: height, class: 'ring-line ring-line-hw' }));
    }
    // The fan: each stage's column (or row) joined to its part of the strip, to scale.
    const fans = stages.map((st, i) => {
      const poly = s('polygon', { points: g0.fan(i).map((p) => p.join(',')).join(' '), class: `fan lane-${st.lane}${st.on_cpu ? '' : ' blocked'}` });
      svg.append(poly);
      return poly;
    });
    const strip = s('g', { class: 'scale-strip', dataset: { length: String(g0.len) } });
    const stripSegs = stages.map((st, i) => {
      const r = s('rect', {
        ...g0.stripRect(g0.segs[i]), class: `scale-seg lane-${st.lane}${st.on_cpu ? '' : ' blocked'}`,
        dataset: { index: String(i), stageId: st.id },
      });
      r.append(s('title', {}, `${stageShortName(st)}: ${formatNs(st.ns)}, ${formatShare(g0.total > 0 ? st.ns / g0.total : 0)} of the time`));
      strip.append(r);
      return r;
    });
    const head = s('line', { class: 'scale-head' });
    head.setAttribute('visibility', 'hidden');
    strip.append(head);
    svg.append(strip);
    if (g0.horizontal) {
      // Under the strip, the name and share of every part wide enough to carry one.
      stages.forEach((st, i) => {
        const sg = g0.segs[i];
        const text = `${stageShortName(st)} ${formatNs(st.ns)} · ${formatShare(g0.total > 0 ? st.ns / g0.total : 0)}`;
        if (sg.w >= text.length * 6.2 + 10) {
          svg.append(s('text', { x: g0.padL + sg.x + sg.w / 2, y: g0.stripAt + g0.stripT + 14, class: `scale-label lane-text-${st.lane}`, 'text-anchor': 'middle' }, text));
        }
      });
    }
    const pts = stages.map((_, i) => g0.center(i));
    const route = s('polyline', { points: pts.map((p) => p.join(',')).join(' '), class: 'route' });
    const travelled = s('polyline', { points: '', class: 'route-done' });
    svg.append(route, travelled);
    const nodes = stages.map((st, i) => {
      const [x0, y0] = g0.center(i);
      const x = x0 - g0.nodeW / 2;
      const y = y0 - g0.nodeH / 2;
      const share = g0.total > 0 ? st.ns / g0.total : 0;
      const name = g0.names[i];
      const fill = s('rect', { x, y, width: 0, height: g0.nodeH, rx: 3, class: 'node-fill' });
      const g = s('g', {
        class: ['node', `lane-${st.lane}`, st.on_cpu ? '' : 'blocked'], tabindex: '-1', role: 'button',
        'aria-label': `Stage ${i + 1} of ${stages.length}: ${name}, ${st.title}, ${formatNs(st.ns)}, ${formatShare(share)} of the time${st.on_cpu ? '' : ', task asleep'}`,
        dataset: { index: String(i), stageId: st.id, ms: String(plan?.stages[i]?.ms ?? 0), ns: String(st.ns) },
      },
      s('title', {}, `${i + 1}. ${st.title} (${formatNs(st.ns)}${st.on_cpu ? '' : ', task asleep'})`),
      s('rect', { x, y, width: g0.nodeW, height: g0.nodeH, rx: 3, class: 'node-box' }),
      fill);
      if (g0.horizontal) {
        const lx = x0 - 2;
        const ly = g0.head - 8;
        g.append(s('line', { x1: x0, x2: x0, y1: g0.head - 4, y2: y - 3, class: 'node-guide' }),
          s('text', { x: lx, y: ly, transform: `rotate(-45 ${lx} ${ly})`, class: 'node-name' }, name));
      } else {
        g.append(s('text', { x: 6, y: y0 + 4, class: 'node-num' }, String(i + 1)),
          s('text', { x: g0.gutter - 6, y: y0 + 4, class: 'node-name', 'text-anchor': 'end' }, name),
          s('line', { x1: g0.gutter - 2, x2: x - 3, y1: y0, y2: y0, class: 'node-guide' }));
      }
      g.addEventListener('click', () => select(i, { focus: true }));
      g.addEventListener('keydown', (e) => onNodeKey(e, i));
      svg.append(g);
      return { g, fill, x };
    });
    // Lane names go on top of the route, with a halo so a crossing line does not hide them.
    LANES.forEach((lane, i) => {
      if (g0.horizontal) {
        svg.append(s('text', { x: 10, y: g0.head + i * g0.bandH + 15, class: `band-label lane-text-${lane.id} halo-${lane.id}` },
          lane.title, s('tspan', { class: 'band-ring' }, ` · ${lane.ring}`)));
      } else {
        svg.append(s('text', { x: g0.gutter + (i + 0.5) * g0.laneW, y: 15, 'text-anchor': 'middle', class: `band-label band-label-v lane-text-${lane.id} halo-${lane.id}` }, lane.title));
      }
    });
    if (!g0.horizontal) svg.append(s('text', { x: width - 4, y: 15, 'text-anchor': 'end', class: 'scale-title' }, 'time'));
    const token = s('circle', { r: g0.horizontal ? 7 : 5, cx: pts[0]?.[0] ?? 0, cy: pts[0]?.[1] ?? 0, class: 'token' });
    token.setAttribute('visibility', 'hidden');
    svg.append(token);
    els = { svg, nodes, fans, stripSegs, head, token, travelled, pts };
    replace(holder, svg);
    paint();
  }

  // ---- painting the position --------------------------------------------------------------

  function current() {
    if (!journey?.stages.length) return -1;
    if (pos && !pos.done) return pos.index;
    return chosen;
  }

  function paint() {
    if (!els || !journey) return;
    const { nodes, fans, stripSegs, head, token, travelled, pts } = els;
    const stages = journey.stages;
    const index = pos ? pos.index : -1;
    nodes.forEach((n, i) => {
      let f = 0;
      if (pos && (i < index || pos.done)) f = 1;
      else if (pos && i === index) f = pos.frac;
      n.fill.setAttribute('width', String(geo.nodeW * f));
      const isCur = Boolean(pos && !pos.done && i === index);
      n.g.classList.toggle('done', f >= 1);
      n.g.classList.toggle('current', isCur);
      n.g.classList.toggle('chosen', !isCur && i === chosen && (!pos || pos.done));
      fans[i].classList.toggle('current', isCur || (i === chosen && (!pos || pos.done)));
      fans[i].classList.toggle('done', f >= 1);
      stripSegs[i].classList.toggle('current', isCur);
    });
    // One node is in the tab order: the current one (or the chosen, or the first).
    const focusable = Math.max(0, current());
    nodes.forEach((n, i) => n.g.setAttribute('tabindex', i === focusable ? '0' : '-1'));
    figure.dataset.index = String(pos ? index : -1);
    if (!pos || index < 0) {
      token.setAttribute('visibility', 'hidden');
      travelled.setAttribute('points', '');
      head.setAttribute('visibility', 'hidden');
      paintPlayer();
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
    // The playhead on the strip: where the call is in real time.
    const a = geo.along(pos.ns);
    if (geo.horizontal) {
      head.setAttribute('x1', String(a));
      head.setAttribute('x2', String(a));
      head.setAttribute('y1', String(geo.stripAt - 4));
      head.setAttribute('y2', String(geo.stripAt + geo.stripT + 4));
    } else {
      head.setAttribute('x1', String(geo.stripAt - 4));
      head.setAttribute('x2', String(geo.stripAt + geo.stripT + 4));
      head.setAttribute('y1', String(a));
      head.setAttribute('y2', String(a));
    }
    head.setAttribute('visibility', pos.done ? 'hidden' : 'visible');
    paintPlayer();
  }

  function paintPlayer() {
    const n = journey?.stages.length ?? 0;
    const can = ran && n > 0;
    for (const b of [back, playBtn, next, scrub]) b.disabled = !can;
    const playing = raf !== 0;
    playBtn.textContent = playing ? 'Pause' : pos?.done ? 'Replay' : 'Play';
    playBtn.setAttribute('aria-pressed', String(playing));
    if (!can) {
      scrub.value = '0';
      clock.textContent = '';
      return;
    }
    scrub.max = String(plan.totalMs);
    scrub.value = String(elapsed);
    const i = pos ? pos.index : 0;
    scrub.setAttribute('aria-valuetext', pos?.done
      ? `The call returned: ${plural(n, 'stage')}, ${formatNs(journey.totals?.ns ?? geo.total)}`
      : `Stage ${i + 1} of ${n}: ${stageShortName(journey.stages[i])}, ${formatNs(pos?.ns ?? 0)} into the call`);
    clock.textContent = `${seconds(elapsed)} / ${seconds(plan.totalMs)}`;
  }

  // ---- words ------------------------------------------------------------------------------

  function biggest() {
    const stages = journey?.stages ?? [];
    let b = -1;
    stages.forEach((st, i) => {
      if (b < 0 || (st.ns || 0) > (stages[b].ns || 0)) b = i;
    });
    return b;
  }

  function fitsLine(i, frac = 1) {
    const stages = journey.stages;
    const full = restFits(stages, i);
    if (!full) return null;
    const rest = geo.total - (stages[i].ns || 0);
    const times = Math.floor((frac * (stages[i].ns || 0)) / rest);
    const what = stages[i].on_cpu ? 'stage' : 'wait';
    const count = (k) => (k === 1 ? 'once' : `${group(k)} times`);
    return frac >= 1
      ? `The rest of this call (${formatNs(rest)}) fits ${count(times)} into this ${what}.`
      : `The rest of this call (${formatNs(rest)}) has fitted ${group(times)} of ${group(full)} times into this ${what} so far.`;
  }

  function describeNow() {
    if (!journey) return;
    const stages = journey.stages;
    if (!ran || !pos) {
      replace(now, `Route: ${plural(stages.length, 'stage')}. Press `, h('strong', {}, 'Run'), ' to send the call down.');
      return;
    }
    if (pos.done) {
      replace(now, h('strong', {}, `Returned after ${plural(stages.length, 'stage')}: `), String(journey.result ?? '').replace(/([^.!?])$/, '$1.'));
      return;
    }
    const st = stages[pos.index];
    const p = plan.stages[pos.index];
    replace(now,
      h('span', { class: 'now-step' }, `${pos.index + 1}/${stages.length}`), ' ',
      h('strong', {}, stageShortName(st)), ' ', h('span', { class: 'now-title' }, st.title), ' ',
      h('span', { class: `chip lane-${st.lane}` }, st.lane), ' ',
      st.on_cpu ? '' : h('span', { class: 'chip chip-blocked' }, 'task asleep'), ' ',
      h('span', { class: 'num' }, formatNs(st.ns)),
      p.compression >= 2 ? h('span', { class: 'now-fast' }, ` shown ${group(roundFactor(p.compression))}× faster`) : '');
  }

  function describePace() {
    if (!plan || !journey?.stages.length) {
      pace.textContent = '';
      scaleLine.textContent = '';
      return;
    }
    const slow = group(Math.round(plan.slowdown));
    const perUs = seconds(plan.msPerNs * 1000);
    let text = `Slow motion: time runs 1:${slow} (1 µs of the call plays ${perUs}), and each stage gets ${(plan.floorMs / 1000).toFixed(2)} s more so that the short ones show.`;
    let big = -1;
    plan.stages.forEach((p, i) => {
      if (p.compression >= 2 && (big < 0 || p.compression > plan.stages[big].compression)) big = i;
    });
    if (big >= 0) {
      const st = journey.stages[big];
      const p = plan.stages[big];
      text += ` Above ${formatNs(plan.thresholdNs)} time is compressed: the ${stageShortName(st)}'s ${formatNs(st.ns)} is shown ${group(roundFactor(p.compression))}× faster (${seconds(p.ms)}); at the same pace it would last ${humanMs(p.naturalMs)}.`;
    }
    text += ` This call plays ${seconds(plan.totalMs)}.`;
    pace.textContent = text;
    const b = biggest();
    const st = journey.stages[b];
    const share = geo.total > 0 ? st.ns / geo.total : 0;
    const others = journey.stages.length - 1;
    replace(scaleLine,
      h('strong', {}, 'To scale: '), `the strip ${geo.horizontal ? 'under' : 'beside'} the lanes gives each stage its share of the time. `,
      h('strong', {}, `${stageShortName(st)} ${formatNs(st.ns)} = ${formatShare(share)}`),
      others ? `; the other ${plural(others, 'stage')} share ${formatShare(1 - share)} (${formatNs(geo.total - st.ns)}).` : '.');
  }

  function humanMs(ms) {
    const sec = ms / 1000;
    if (sec < 120) return `${Math.round(sec)} s`;
    if (sec < 7200) return `${Math.round(sec / 60)} minutes`;
    if (sec < 172800) return `${Math.round(sec / 3600)} hours`;
    return `${Math.round(sec / 86400)} days`;
  }

  function describeDetail() {
    if (!journey?.stages.length) {
      replace(detail, h('p', { class: 'muted small' }, 'The stages appear here.'));
      shownDetail = '';
      return;
    }
    let i = current();
    if (i < 0) i = biggest();
    const live = pos && !pos.done && i === pos.index;
    const key = `${journey.stages[i].id}:${i}:${ran}`;
    const fitsEl = detail.querySelector('.detail-fits');
    if (key === shownDetail) {
      if (fitsEl) fitsEl.textContent = fitsLine(i, live ? pos.frac : 1) ?? '';
      return;
    }
    shownDetail = key;
    const st = journey.stages[i];
    const share = geo.total > 0 ? st.ns / geo.total : 0;
    const more = h('button', { type: 'button', class: 'btn btn-small', id: 'lanes-more' }, 'All details in the trace');
    more.addEventListener('click', () => hooks.onSelect?.(i));
    const fns = (st.functions ?? []).slice(0, 3);
    replace(detail,
      h('p', { class: 'detail-kicker' }, `Stage ${i + 1} of ${journey.stages.length} `,
        h('span', { class: `chip lane-${st.lane}` }, st.lane), ' ',
        st.on_cpu ? h('span', { class: 'chip chip-cpu' }, 'on CPU') : h('span', { class: 'chip chip-blocked' }, 'task asleep')),
      h('h3', { class: `detail-name lane-text-${st.lane}` }, stageShortName(st)),
      h('p', { class: 'detail-title' }, st.title),
      h('p', { class: 'detail-time' }, h('strong', { class: 'num' }, formatNs(st.ns)), ` · ${formatShare(share)} of the call`),
      h('p', { class: 'detail-fits' }, fitsLine(i, live ? pos.frac : 1) ?? ''),
      h('p', { class: 'detail-explain' }, st.explain || ''),
      fns.length ? h('p', { class: 'detail-fns' }, fns.map((f) => [h('code', {}, f), ' '])) : null,
      ran ? more : null);
  }

  function describe() {
    describeNow();
    describeDetail();
  }

  // ---- the player -------------------------------------------------------------------------

  function emit() {
    paint();
    describe();
    hooks.onProgress?.(pos, journey);
  }

  function stopRaf() {
    if (raf) cancelAnimationFrame(raf);
    raf = 0;
  }

  function frame(t) {
    elapsed = Math.min(plan.totalMs, t - startTime);
    pos = positionAt(plan, journey.stages, elapsed);
    if (pos.done) {
      raf = 0;
      elapsed = plan.totalMs;
    }
    emit();
    if (pos.done) hooks.onDone?.(journey);
    else raf = requestAnimationFrame(frame);
  }

  function playFrom(ms) {
    stopRaf();
    elapsed = ms >= plan.totalMs ? 0 : Math.max(0, ms);
    chosen = -1;
    pos = positionAt(plan, journey.stages, elapsed);
    startTime = performance.now() - elapsed;
    detail.setAttribute('aria-live', 'off');
    raf = requestAnimationFrame(frame);
    emit();
    hooks.onPlay?.(journey);
  }

  function pause() {
    if (!raf) return;
    stopRaf();
    paintPlayer();
  }

  /** After a seek or a step: the call stands somewhere (paused) or at its end (done). */
  function landed() {
    if (pos.done) hooks.onDone?.(journey);
    else hooks.onPause?.(journey);
  }

  /** Puts the call at animation time `ms` (the scrubber). */
  function seek(ms) {
    if (!ran) return;
    pause();
    elapsed = clamp(ms, 0, plan.totalMs);
    pos = positionAt(plan, journey.stages, elapsed);
    chosen = -1;
    detail.setAttribute('aria-live', 'polite');
    emit();
    landed();
  }

  /** Puts the call at the end of stage i (a step, a click on a node); -1: the very start. */
  function stepTo(i) {
    if (!ran) return;
    if (i < 0) {
      seek(0);
      return;
    }
    pause();
    pos = positionAtStage(plan, journey.stages, i);
    elapsed = elapsedOf(plan, pos);
    chosen = pos.done ? i : -1;
    detail.setAttribute('aria-live', 'polite');
    emit();
    landed();
  }

  function step(dir) {
    if (ran) stepTo(stepTarget(pos, journey.stages.length, dir));
    else select(clamp(Math.max(0, current()) + dir, 0, journey.stages.length - 1), { focus: true });
  }

  /** A stage picked on the figure: the call goes there (once it was run), its details beside. */
  function select(i, { focus = false } = {}) {
    if (!journey?.stages[i]) return;
    if (ran) stepTo(i);
    else {
      chosen = i;
      detail.setAttribute('aria-live', 'polite');
      paint();
      describe();
    }
    if (focus) els?.nodes[i]?.g.focus({ preventScroll: true });
  }

  function onNodeKey(e, i) {
    const keys = geo.horizontal ? { prev: ['ArrowLeft', 'ArrowUp'], next: ['ArrowRight', 'ArrowDown'] } : { prev: ['ArrowUp', 'ArrowLeft'], next: ['ArrowDown', 'ArrowRight'] };
    let target = null;
    if (keys.next.includes(e.key)) {
      step(1);
      target = current();
    } else if (keys.prev.includes(e.key)) {
      step(-1);
      target = Math.max(0, current());
    } else if (e.key === 'Home') {
      select(0);
      target = 0;
    } else if (e.key === 'End') {
      select(journey.stages.length - 1);
      target = journey.stages.length - 1;
    } else if (e.key === 'Enter' || e.key === ' ') {
      select(i);
      target = i;
    } else return;
    e.preventDefault();
    els?.nodes[target >= 0 ? target : i]?.g.focus({ preventScroll: true });
  }

  back.addEventListener('click', () => step(-1));
  next.addEventListener('click', () => step(1));
  playBtn.addEventListener('click', () => {
    if (raf) {
      pause();
      landed();
    } else if (ran) playFrom(pos?.done ? 0 : elapsed);
  });
  scrub.addEventListener('input', () => seek(Number(scrub.value)));
  scrub.addEventListener('keydown', (e) => {
    if (['ArrowLeft', 'ArrowDown'].includes(e.key)) step(-1);
    else if (['ArrowRight', 'ArrowUp'].includes(e.key)) step(1);
    else if (e.key === 'Home') seek(0);
    else if (e.key === 'End') seek(plan?.totalMs ?? 0);
    else return;
    e.preventDefault();
  });

  // ---- the interface ----------------------------------------------------------------------

  function setJourney(j) {
    journey = j;
    plan = planPlayback(j?.stages ?? []);
    figure.dataset.plannedMs = String(plan.totalMs);
    figure.dataset.stages = String(j?.stages.length ?? 0);
    shownDetail = '';
    chosen = -1;
  }

  function route(j) {
    stopRaf();
    setJourney(j);
    ran = false;
    pos = null;
    elapsed = 0;
    draw();
    describePace();
    describe();
  }

  function finish() {
    stopRaf();
    elapsed = plan.totalMs;
    pos = positionAt(plan, journey.stages, Infinity);
    emit();
    hooks.onDone?.(journey);
  }

  function play(j, { animate = true } = {}) {
    stopRaf();
    setJourney(j);
    ran = true;
    pos = { index: 0, frac: 0, ns: 0, cycles: 0, begun: 0, done: false };
    elapsed = 0;
    draw();
    describePace();
    if (!animate || !j.stages.length) {
      finish();
      return;
    }
    playFrom(0);
  }

  /** Scrolls the figure into view (Run on a phone) unless its lanes are on screen already. */
  function reveal() {
    const r = figure.getBoundingClientRect();
    const vh = window.innerHeight || document.documentElement.clientHeight;
    const lanesH = holder.getBoundingClientRect().height || r.height;
    if (r.top >= 0 && r.top + lanesH <= vh * 0.92) return;
    figure.scrollIntoView({ block: 'start', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
  }

  // watchWidth calls only when the width has moved by more than 2 px since it last told us.
  const watch = watchWidth(holder, () => {
    draw();
    describePace();
    shownDetail = '';
    describe();
  });
  draw(); // the empty lanes, before any route is known
  describeDetail();

  return {
    route,
    play,
    skip: () => raf && finish(),
    stop: () => {
      stopRaf();
      paintPlayer();
    },
    playing: () => raf !== 0,
    reveal,
  };
}
