// Compare: a pinned run (A) beside the current one (B), totals and stage by stage, with the
// ratio. Hit against miss is the comparison this page exists for.
import { alignStages, totalRatio } from '../lib/compare.js';
import { formatCycles, formatDuration, formatNs, formatRatio, onCpuCycles } from '../lib/format.js';
import { logBarFraction } from '../lib/scale.js';
import { isUring, readCosts } from '../lib/uring.js';
import { h, replace } from './dom.js';

/**
 * createCompare(section, { onUnpin, onSwap }) -> { show({ a, b, aLabel, bLabel, human, stale, model }) }
 * `stale`: the options changed since B ran, so B is marked as the previous run.
 */
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
      h('span', { class: 'cmp-meta num' }, j ? `${j.totals.stages} stages · ${formatCycles(onCpuCycles(j))} CPU cycles${isUring(j) ? ` per read (÷${j.scenario.batch})` : ''}` : ''));
  }

  function show({ a, b, aLabel, bLabel, human = false, stale = false, model = null }) {
    section.hidden = !a;
    section.classList.toggle('is-stale', Boolean(a && b && stale));
    if (!a) return;
    const same = !b || bLabel === aLabel;
    const ratio = b ? totalRatio(a, b) : NaN;
    const verdict = same
      ? h('p', { class: 'cmp-ratio muted' }, 'Change an option and run again: the new run appears here as B.')
      : h('p', { class: 'cmp-ratio', id: 'compare-ratio', dataset: { ratio: String(ratio) } },
        ratio >= 1
          ? ['B takes ', h('strong', { class: 'num' }, formatRatio(ratio)), ' as long as A.']
          : ['B is ', h('strong', { class: 'num' }, formatRatio(1 / ratio)), ' faster than A.'],
        uringNote(a, b, model));
    const bTag = stale ? 'previous run' : 'current';
    const parts = [h('div', { class: 'cmp-cards' }, totalCard('A', `pinned: ${aLabel}`, a, human), totalCard('B', `${bTag}: ${same ? '—' : bLabel}`, same ? null : b, human)), verdict];
    if (stale && !same) parts.unshift(h('p', { class: 'stale-note', id: 'compare-stale' }, h('span', { class: 'badge badge-stale' }, 'previous run'), ' B is the last run; the options have changed since. Run to compare them.'));
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

// io_uring totals are per read (the batch ÷ N): the verdict says so, and what each read waits.
function uringNote(a, b, model) {
  const u = [['A', a], ['B', b]].filter(([, j]) => isUring(j));
  if (!u.length) return null;
  return h('span', { class: 'cmp-note' }, ' ', u.map(([tag, j]) => {
    const c = readCosts(j, model);
    return `${tag}'s io_uring time is per read, the batch's ÷ ${c.batch}; each of its reads waits ${formatNs(c.waitNs)}. `;
  }));
}
