// The counters at the top (stages, cycles, time, on CPU vs asleep) and the baselines beside
// them (a function call, a vDSO call, a bare syscall).
import { formatCycles, formatDuration, formatNs, formatRatio } from '../lib/format.js';
import { readCosts, waitNsOf } from '../lib/uring.js';
import { h, replace } from './dom.js';

/** createCounters(el) -> { show(values, human) } where values = { begun, total, cycles, ns, ... } */
export function createCounters(el) {
  const cell = (key, label) => {
    const value = h('span', { class: 'counter-value num', id: `counter-${key}` }, '—');
    const sub = h('span', { class: 'counter-sub' });
    const name = h('span', { class: 'counter-label', id: `counter-${key}-label` }, label);
    el.append(h('div', { class: `counter counter-${key}` }, name, value, sub));
    return { value, sub, name };
  };
  const stages = cell('stages', 'Stages');
  const cycles = cell('cycles', 'CPU cycles');
  const time = cell('time', 'Time');
  const split = cell('split', 'On CPU · asleep');
  const bar = h('span', { class: 'split-bar', 'aria-hidden': 'true' }, h('span', { class: 'split-cpu' }), h('span', { class: 'split-blocked' }));
  split.sub.replaceWith(bar);

  /**
   * values: { begun, total, cycles, ns, ghz, onCpuNs, blockedNs, lowNs, highNs, final, uring, batch, batchNs }
   * cycles: CPU cycles (the task on the CPU; sleep is time, never cycles). ns, onCpuNs, blockedNs:
   * what the call waits (for io_uring, what each read waits; cycles are then per read, ÷batch).
   * Raw numbers also go into data- attributes for tests and scripts.
   */
  function show(v, human) {
    stages.value.textContent = v.total ? `${v.begun} / ${v.total}` : '—';
    stages.value.dataset.value = String(v.begun ?? 0);
    cycles.name.textContent = v.uring ? 'CPU cycles per read' : 'CPU cycles';
    cycles.value.textContent = v.total ? formatCycles(v.cycles) : '—';
    cycles.value.dataset.value = String(v.cycles ?? 0);
    time.name.textContent = v.uring ? 'Each read waits' : 'Time';
    time.value.textContent = v.total ? `${human ? '' : '~'}${formatDuration({ ns: v.ns, cycles: v.ns * (v.ghz ?? 3) }, human)}` : '—';
    time.value.dataset.ns = String(v.ns ?? 0);
    stages.sub.textContent = v.final && v.stracable !== undefined ? `strace sees ${v.stracable}` : '';
    cycles.sub.textContent = !v.total || !v.ghz ? '' : v.uring ? `the batch's ÷ ${v.batch}, at ${v.ghz} GHz` : `at ${v.ghz} GHz`;
    if (v.uring && v.final) time.sub.textContent = `all ${v.batch} done after ${formatDuration({ ns: v.batchNs, cycles: v.batchNs * v.ghz }, human)}`;
    else time.sub.textContent = v.final && v.lowNs ? `range ${formatDuration({ ns: v.lowNs, cycles: v.lowNs * v.ghz }, human)} – ${formatDuration({ ns: v.highNs, cycles: v.highNs * v.ghz }, human)}` : human && v.total ? '1 cycle = 1 second' : '';
    const cpu = v.onCpuNs ?? 0;
    const blocked = v.blockedNs ?? 0;
    split.value.textContent = v.total ? `${formatDuration({ ns: cpu, cycles: cpu * v.ghz }, human)} · ${formatDuration({ ns: blocked, cycles: blocked * v.ghz }, human)}` : '—';
    const sum = cpu + blocked;
    bar.children[0].style.width = `${sum ? (100 * cpu) / sum : 0}%`;
    bar.children[1].style.width = `${sum ? (100 * blocked) / sum : 0}%`;
  }
  show({}, false);
  return { show };
}

/**
 * The running totals while the call travels: what the counters show at `pos`. Cycles count the
 * task on the CPU only; the time is what the call waits (for io_uring, what each read waits: the
 * batch's shared steps and its device read in full, not the per-read shares of the trace).
 * `model` gives the device's parallelism for io_uring.
 */
export function countersAt(journey, pos, model = null) {
  const ghz = journey.scenario?.ghz ?? 3;
  const c = readCosts(journey, model);
  const parallelism = model?.devices?.find((d) => d.id === journey.scenario?.device)?.parallelism;
  let onCpuNs = 0;
  let blockedNs = 0;
  let cpuNs = 0;
  journey.stages.forEach((st, i) => {
    const part = pos.done || i < pos.index ? 1 : i === pos.index ? pos.frac : 0;
    const w = c.uring ? waitNsOf(st, c.batch, parallelism) : st.ns;
    if (st.on_cpu) {
      onCpuNs += part * w;
      cpuNs += part * st.ns;
    } else blockedNs += part * w;
  });
  const final = Boolean(pos.done);
  const t = journey.totals;
  return {
    begun: pos.begun, total: journey.stages.length, ghz,
    cycles: (final ? c.cpuNs : cpuNs) * ghz, ns: final ? c.waitNs : onCpuNs + blockedNs,
    onCpuNs: final ? c.waitOnCpuNs : onCpuNs, blockedNs: final ? c.waitBlockedNs : blockedNs,
    lowNs: t.low_ns, highNs: t.high_ns, stracable: t.strace_visible_stages, final,
    uring: c.uring, batch: c.batch, batchNs: c.batchNs,
  };
}

const BASELINES = [
  { op: 'function_call', title: 'function call' },
  { op: 'vdso_clock_gettime', title: 'vDSO call' },
  { op: 'getppid', title: 'bare syscall' },
];

export const BASELINE_OPS = BASELINES.map((b) => b.op);

/**
 * createBaselines(el) -> { show({ journey, baselines, human, error, stale, model }) }
 * The ratios are of what the call waits (for io_uring, what each read waits). `stale`: the
 * options changed since `journey` ran, so its ratios are marked as the previous run's.
 */
export function createBaselines(el) {
  function show({ journey, baselines = {}, human = false, error = '', stale = false, model = null }) {
    const c = journey ? readCosts(journey, model) : null;
    const what = !journey ? '' : journey.scenario?.op !== 'read' ? 'this call' : c.uring ? 'each read waits' : 'this read';
    const items = BASELINES.map(({ op, title }) => {
      const b = baselines[op];
      const ratio = c && b?.totals?.ns > 0 ? c.waitNs / b.totals.ns : NaN;
      return h('li', { class: 'baseline', dataset: { op } },
        h('span', { class: 'baseline-title' }, title),
        h('span', { class: 'baseline-time num' }, b ? formatDuration(b.totals, human) : error ? '—' : '…'),
        h('span', { class: 'baseline-ratio', title: stale ? `The previous run's ratio (${formatNs(c.waitNs)}): the options changed since` : undefined },
          Number.isFinite(ratio) ? [`${stale ? 'previous run' : what} = `, h('strong', { class: 'num' }, formatRatio(ratio))] : ''));
    });
    el.classList.toggle('is-stale', Boolean(stale && journey));
    replace(el, h('h2', { class: 'mini-title' }, 'For scale', stale && journey ? h('span', { class: 'badge badge-stale' }, 'previous run') : null),
      h('ul', { class: 'baseline-list' }, items),
      error ? h('p', { class: 'hint' }, error) : null);
  }
  show({});
  return { show };
}
