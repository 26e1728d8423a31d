// The counters at the top (stages, cycles, time, on CPU vs asleep) and the baselines beside
// them (a function call, a vDSO call, a bare syscall).
import { formatCycles, formatDuration, formatRatio } from '../lib/format.js';
import { timesBaseline } from '../lib/compare.js';
import { h, replace } from './dom.js';

/** createCounters(el) -> { show(values, human) } where values = { begun, total, cycles, ns, ... } */
export function createCounters(el) {
  const cell = (key, label) => {
    const value = h('span', { class: 'counter-value num', id: `counter-${key}` }, '—');
    const sub = h('span', { class: 'counter-sub' });
    el.append(h('div', { class: `counter counter-${key}` }, h('span', { class: 'counter-label' }, label), value, sub));
    return { value, sub };
  };
  const stages = cell('stages', 'Stages');
  const cycles = cell('cycles', 'Cycles');
  const time = cell('time', 'Time');
  const split = cell('split', 'On CPU · asleep');
  const bar = h('span', { class: 'split-bar', 'aria-hidden': 'true' }, h('span', { class: 'split-cpu' }), h('span', { class: 'split-blocked' }));
  split.sub.replaceWith(bar);

  /**
   * values: { begun, total, cycles, ns, ghz, onCpuNs, blockedNs, lowNs, highNs, final }
   * Raw numbers also go into data- attributes for tests and scripts.
   */
  function show(v, human) {
    stages.value.textContent = v.total ? `${v.begun} / ${v.total}` : '—';
    stages.value.dataset.value = String(v.begun ?? 0);
    cycles.value.textContent = v.total ? formatCycles(v.cycles) : '—';
    cycles.value.dataset.value = String(v.cycles ?? 0);
    time.value.textContent = v.total ? `${human ? '' : '~'}${formatDuration({ ns: v.ns, cycles: v.cycles }, human)}` : '—';
    time.value.dataset.ns = String(v.ns ?? 0);
    stages.sub.textContent = v.final && v.stracable !== undefined ? `strace sees ${v.stracable}` : '';
    cycles.sub.textContent = v.total && v.ghz ? `at ${v.ghz} GHz` : '';
    time.sub.textContent = v.final && v.lowNs ? `range ${formatDuration({ ns: v.lowNs, cycles: v.lowNs * v.ghz }, human)} – ${formatDuration({ ns: v.highNs, cycles: v.highNs * v.ghz }, human)}` : human && v.total ? '1 cycle = 1 second' : '';
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

/** The running totals while the call travels: what the counters show at `pos`. */
export function countersAt(journey, pos) {
  const ghz = journey.scenario?.ghz ?? 3;
  let onCpuNs = 0;
  let blockedNs = 0;
  journey.stages.forEach((st, i) => {
    const part = pos.done || i < pos.index ? 1 : i === pos.index ? pos.frac : 0;
    if (st.on_cpu) onCpuNs += part * st.ns;
    else blockedNs += part * st.ns;
  });
  const final = Boolean(pos.done);
  const t = journey.totals;
  return {
    begun: pos.begun, total: journey.stages.length, ghz,
    cycles: final ? t.cycles : pos.cycles, ns: final ? t.ns : pos.ns,
    onCpuNs: final ? t.on_cpu_ns : onCpuNs, blockedNs: final ? t.blocked_ns : blockedNs,
    lowNs: t.low_ns, highNs: t.high_ns, stracable: t.strace_visible_stages, final,
  };
}

const BASELINES = [
  { op: 'function_call', title: 'function call' },
  { op: 'vdso_clock_gettime', title: 'vDSO call' },
  { op: 'getppid', title: 'bare syscall' },
];

export const BASELINE_OPS = BASELINES.map((b) => b.op);

/** createBaselines(el) -> { show({ journey, baselines, human }) } */
export function createBaselines(el) {
  function show({ journey, baselines = {}, human = false, error = '' }) {
    const items = BASELINES.map(({ op, title }) => {
      const b = baselines[op];
      const ratio = journey && b ? timesBaseline(journey, b) : NaN;
      return h('li', { class: 'baseline', dataset: { op } },
        h('span', { class: 'baseline-title' }, title),
        h('span', { class: 'baseline-time num' }, b ? formatDuration(b.totals, human) : error ? '—' : '…'),
        h('span', { class: 'baseline-ratio' }, Number.isFinite(ratio)
          ? [`this ${journey.scenario?.op === 'read' ? 'read' : 'call'} = `, h('strong', { class: 'num' }, formatRatio(ratio))]
          : ''));
    });
    replace(el, h('h2', { class: 'mini-title' }, 'For scale'), h('ul', { class: 'baseline-list' }, items),
      error ? h('p', { class: 'hint' }, error) : null);
  }
  show({});
  return { show };
}
