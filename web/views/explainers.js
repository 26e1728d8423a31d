// The sections below the simulator: each has a "Show me" button that sets up the scenario
// demonstrating it (pinning a first run, A, to compare against) and runs it, and answers where
// the reader is: a small A/B figure under the button, to scale. The simulator above is set up
// too, and a button there goes to it. The io_uring section also holds the epoll vs io_uring
// calculator.
import { formatCycles, formatNs, formatRatio, formatShare } from '../lib/format.js';
import { effectiveBatch, isUring, uringCalc } from '../lib/uring.js';
import { h, replace } from './dom.js';

/**
 * The demonstrations: `pin` (optional) is run first and pinned as A, then `run` becomes the
 * current scenario. Both are applied over the default scenario. `a` and `b` name them in the
 * figure.
 */
export const SHOW_ME = {
  fall: { pin: { cache: 'hit', kpti: false }, run: { cache: 'hit', kpti: true, pcid: false }, a: 'KPTI off', b: 'KPTI on, without PCID' },
  vtable: { pin: { cache: 'hit' }, run: { fd: 'tcp' }, a: 'a cached file', b: 'a TCP socket' },
  physics: { pin: { cache: 'hit' }, run: { cache: 'miss', device: 'nvme' }, a: 'page-cache hit', b: 'miss, from an NVMe SSD' },
  strace: { pin: { cache: 'hit' }, run: { cache: 'hit', tracer: 'strace' }, a: 'a cached read', b: 'the same under strace' },
  vdso: { pin: { op: 'getppid' }, run: { op: 'vdso_clock_gettime' }, a: 'getppid() syscall', b: 'vDSO clock_gettime()' },
  uring: { pin: { cache: 'hit' }, run: { cache: 'hit', api: 'io_uring', batch: 32 }, a: 'read(), cached', b: 'io_uring, 32 per enter (÷32)' },
  fsync: { pin: { op: 'write', cache: 'hit' }, run: { op: 'fsync', cache: 'hit', device: 'nvme' }, a: 'a buffered write', b: 'the same write, then fsync() on an NVMe SSD' },
};

/**
 * Wires every [data-show-me] button in `root`. `onShowMe(demo, key)` sets the demonstration up
 * and resolves to { a, b } (the two journeys) or null; the answer is then drawn under the button.
 * `onWatch()` takes the reader to the simulator, where the same runs are set up.
 */
export function wireShowMe(root, onShowMe, { onWatch } = {}) {
  for (const btn of root.querySelectorAll('[data-show-me]')) {
    const key = btn.dataset.showMe;
    const demo = SHOW_ME[key];
    if (!demo) continue;
    const fig = h('figure', { class: 'demo', id: `demo-${key}`, 'aria-live': 'polite', hidden: true });
    btn.after(fig);
    btn.setAttribute('aria-controls', fig.id);
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      fig.setAttribute('aria-busy', 'true');
      try {
        const got = await onShowMe(demo, key);
        if (got?.a && got?.b) drawDemo(fig, demo, got, onWatch);
      } finally {
        btn.disabled = false;
        fig.removeAttribute('aria-busy');
      }
    });
  }
}

// Consecutive stages of one lane and state merge into one segment of the bar.
function segments(j) {
  const out = [];
  for (const st of j.stages) {
    const cls = `lane-${st.lane}${st.on_cpu ? '' : ' blocked'}`;
    const last = out[out.length - 1];
    if (last && last.cls === cls) last.ns += st.ns;
    else out.push({ cls, ns: st.ns });
  }
  return out;
}

/** A's and B's bars to one linear scale, the ratio, and B's largest stage with its share. */
export function drawDemo(fig, demo, { a, b }, onWatch) {
  const max = Math.max(a.totals.ns, b.totals.ns, 1e-9);
  const ratio = a.totals.ns > 0 ? b.totals.ns / a.totals.ns : NaN;
  const row = (tag, label, j) => {
    const track = h('span', { class: 'demo-track' });
    const bar = h('span', { class: 'demo-bar' });
    bar.style.width = `${Math.max(0.4, (100 * j.totals.ns) / max).toFixed(2)}%`;
    for (const seg of segments(j)) {
      const el = h('span', { class: `demo-seg ${seg.cls}` });
      el.style.width = `${((100 * seg.ns) / Math.max(j.totals.ns, 1e-9)).toFixed(3)}%`;
      bar.append(el);
    }
    track.append(bar);
    return h('div', { class: `demo-row demo-${tag.toLowerCase()}`, dataset: { ns: String(j.totals.ns) } },
      h('span', { class: 'demo-tag' }, tag), h('span', { class: 'demo-label' }, label),
      h('span', { class: 'demo-total num' }, formatNs(j.totals.ns)), track);
  };
  const top = b.stages.reduce((m, st) => (st.ns > (m?.ns ?? -1) ? st : m), null);
  const verdict = !Number.isFinite(ratio) ? 'The two runs cannot be compared.'
    : ratio >= 1 ? ['B takes ', h('strong', { class: 'num' }, formatRatio(ratio)), ' as long as A.']
      : ['B is ', h('strong', { class: 'num' }, formatRatio(1 / ratio)), ' faster than A.'];
  const watch = h('button', { type: 'button', class: 'btn btn-small demo-watch' }, 'Watch B in the simulator');
  watch.addEventListener('click', () => onWatch?.());
  replace(fig,
    h('figcaption', { class: 'demo-verdict', dataset: { ratio: String(ratio) } }, verdict),
    row('A', demo.a ?? 'A', a), row('B', demo.b ?? 'B', b),
    h('p', { class: 'demo-foot muted small' },
      'Bars to one linear scale; colours are the lanes, hatching is time asleep. ',
      top ? `B's largest stage: ${top.title}, ${formatShare(top.share ?? top.ns / b.totals.ns)} of it. ` : '',
      isUring(b) ? `B's time is per read: the batch's ÷ ${b.scenario.batch}. ` : '',
      watch));
  fig.hidden = false;
}

/**
 * The calculator. `costs(batch)` resolves to { readNs, uringReadNs, epollWaitNs, machine } from
 * the engine. Renders into the elements with ids calc-n, calc-batch and calc-out.
 */
export function createUringCalculator(root, costs, ranges) {
  const n = root.querySelector('#calc-n');
  const batch = root.querySelector('#calc-batch');
  const out = root.querySelector('#calc-out');
  let seq = 0;
  let timer = 0;

  async function update() {
    const my = ++seq;
    const conns = Math.max(1, Math.min(1e6, Math.floor(Number(n.value) || 1)));
    const b = effectiveBatch(conns, Number(batch.value) || 1, ranges?.batch ?? [1, 4096]);
    out.setAttribute('aria-busy', 'true');
    try {
      const c = await costs(b);
      if (my !== seq) return;
      const r = uringCalc({ connections: conns, batch: b, readNs: c.readNs, uringReadNs: c.uringReadNs, epollWaitNs: c.epollWaitNs });
      replace(out,
        h('table', { class: 'calc-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col', class: 'num' }, 'kernel crossings'), h('th', { scope: 'col', class: 'num' }, 'CPU time'), h('th', { scope: 'col', class: 'num' }, 'CPU per read'))),
          h('tbody', {},
            h('tr', {}, h('th', { scope: 'row' }, 'epoll + read() each'), h('td', { class: 'num' }, formatCycles(r.epoll.syscalls)), h('td', { class: 'num' }, formatNs(r.epoll.ns)), h('td', { class: 'num' }, formatNs(c.readNs))),
            h('tr', {}, h('th', { scope: 'row' }, `io_uring, ${b} per enter`), h('td', { class: 'num' }, formatCycles(r.uring.syscalls)), h('td', { class: 'num' }, formatNs(r.uring.ns)), h('td', { class: 'num' }, formatNs(c.uringReadNs))))),
        h('p', { class: 'calc-verdict', id: 'calc-verdict', dataset: { speedup: String(r.speedup) } },
          r.speedup >= 1
            ? ['io_uring does the same work ', h('strong', {}, formatRatio(r.speedup)), ` faster, with ${formatCycles(r.saved_syscalls)} fewer kernel crossings.`]
            : ['Here io_uring is ', h('strong', {}, formatRatio(1 / r.speedup)), ' slower: its own bookkeeping outweighs the crossings it saves.']),
        h('p', { class: 'muted small' }, `Engine costs per read of 16 bytes already in memory (a page-cache hit), on ${c.machine}; the epoll_wait that found the ready sockets counts as one bare syscall.`));
    } catch (e) {
      if (my === seq) replace(out, h('p', { class: 'error-text' }, e.message));
    } finally {
      if (my === seq) out.removeAttribute('aria-busy');
    }
  }

  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  };
  n.addEventListener('input', soon);
  batch.addEventListener('input', soon);
  return { update };
}
