// The sections below the simulator: each has a "Show me" button that sets up the scenario
// demonstrating it (often pinning a first run to compare against) and runs it. The io_uring
// section also holds the epoll vs io_uring calculator.
import { formatCycles, formatNs, formatRatio } from '../lib/format.js';
import { effectiveBatch, uringCalc } from '../lib/uring.js';
import { h, replace } from './dom.js';

/**
 * The demonstrations: `pin` (optional) is run first and pinned as A, then `run` becomes the
 * current scenario. Both are applied over the default scenario.
 */
export const SHOW_ME = {
  fall: { pin: { cache: 'hit', kpti: false }, run: { cache: 'hit', kpti: true, pcid: false } },
  vtable: { pin: { cache: 'hit' }, run: { fd: 'tcp' } },
  physics: { pin: { cache: 'hit' }, run: { cache: 'miss', device: 'nvme' } },
  strace: { pin: { cache: 'hit' }, run: { cache: 'hit', tracer: 'strace' } },
  vdso: { pin: { op: 'getppid' }, run: { op: 'vdso_clock_gettime' } },
  uring: { pin: { cache: 'hit' }, run: { cache: 'hit', api: 'io_uring', batch: 32 } },
};

/** Wires every [data-show-me] button in `root` to onShowMe(demo). */
export function wireShowMe(root, onShowMe) {
  for (const btn of root.querySelectorAll('[data-show-me]')) {
    const demo = SHOW_ME[btn.dataset.showMe];
    if (!demo) continue;
    btn.addEventListener('click', () => onShowMe(demo, btn.dataset.showMe));
  }
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
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col', class: 'num' }, 'kernel crossings'), h('th', { scope: 'col', class: 'num' }, 'CPU time'), h('th', { scope: 'col', class: 'num' }, 'per read'))),
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
