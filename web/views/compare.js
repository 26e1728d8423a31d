// Compare: a pinned run (A) beside the current one (B), totals and stage by stage, with the
// ratio. Hit against miss is the comparison this page exists for.
import { alignStages, totalRatio } from '../lib/compare.js';
import { formatDuration, formatRatio } from '../lib/format.js';
import { logBarFraction } from '../lib/scale.js';
import { h, replace } from './dom.js';

/** createCompare(section, { onUnpin, onSwap }) -> { show({ a, b, aLabel, bLabel, human }) } */
export function createCompare(section, hooks = {}) {
  const body = h('div', { class: 'compare-body' });
  replace(section,
    h('div', { class: 'section-head' },
      h('h2', { id: 'compare-title' }, 'Compare'),
      h('div', { class: 'section-tools' },
        h('button', { type: 'button', class: 'btn btn-quiet', id: 'swap', on: { click: () => hooks.onSwap?.() } }, 'Pin B instead'),
        h('button', { type: 'button', class: 'btn btn-quiet', id: 'unpin', on: { click: () => hooks.onUnpin?.() } }, 'Unpin'))),
    body);

  function totalCard(tag, label, j, human) {
    return h('div', { class: `cmp-card cmp-${tag.toLowerCase()}` },
      h('span', { class: 'cmp-tag' }, tag),
      h('span', { class: 'cmp-label' }, label),
      h('span', { class: 'cmp-total num' }, j ? formatDuration(j.totals, human) : '—'),
      h('span', { class: 'cmp-meta num' }, j ? `${j.totals.stages} stages · ${j.totals.cycles.toLocaleString('en-US')} cycles` : ''));
  }

  function show({ a, b, aLabel, bLabel, human = false }) {
    section.hidden = !a;
    if (!a) return;
    const same = !b || bLabel === aLabel;
    const ratio = b ? totalRatio(a, b) : NaN;
    const verdict = same
      ? h('p', { class: 'cmp-ratio muted' }, 'Change an option and run again: the new run appears here as B.')
      : h('p', { class: 'cmp-ratio', id: 'compare-ratio', dataset: { ratio: String(ratio) } },
        ratio >= 1
          ? ['B takes ', h('strong', { class: 'num' }, formatRatio(ratio)), ' as long as A.']
          : ['B is ', h('strong', { class: 'num' }, formatRatio(1 / ratio)), ' faster than A.']);
    const parts = [h('div', { class: 'cmp-cards' }, totalCard('A', `pinned: ${aLabel}`, a, human), totalCard('B', `current: ${same ? '—' : bLabel}`, same ? null : b, human)), verdict];
    if (!same) {
      const rows = alignStages(a, b);
      const maxNs = Math.max(...rows.map((r) => Math.max(r.a?.ns ?? 0, r.b?.ns ?? 0)), 1e-9);
      const barCell = (st) => {
        if (!st) return h('td', { class: 'cmp-bar' }, h('span', { class: 'muted' }, 'not on this path'));
        const bar = h('span', { class: `bar lane-${st.lane}${st.on_cpu ? '' : ' blocked'}` });
        bar.style.width = `${(100 * logBarFraction(st.ns, maxNs)).toFixed(1)}%`;
        return h('td', { class: 'cmp-bar' }, h('span', { class: 'bar-track' }, bar), h('span', { class: 'num cmp-t' }, formatDuration(st, human)));
      };
      parts.push(h('div', { class: 'table-scroll' }, h('table', { class: 'cmp-table' },
        h('caption', { class: 'sr-only' }, 'Stage by stage, A against B'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Stage'), h('th', { scope: 'col' }, 'A'), h('th', { scope: 'col' }, 'B'), h('th', { scope: 'col', class: 'num' }, 'B/A'))),
        h('tbody', {}, rows.map((r) => h('tr', { class: `lane-${r.lane}` },
          h('th', { scope: 'row' }, h('span', { class: `lane-dot lane-${r.lane}` }), r.title),
          barCell(r.a), barCell(r.b),
          h('td', { class: 'num' }, r.a && r.b ? formatRatio(r.b.ns / r.a.ns) : r.b ? 'new' : 'gone')))))));
    }
    replace(body, parts);
  }
  return { show };
}
