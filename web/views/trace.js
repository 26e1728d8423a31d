// The trace: one row per stage with lane, cost, share, a log-scale bar, on CPU or asleep, and
// which tools can see it. Rows are focusable; Enter, Space or a click opens the stage's details.
import { formatCycles, formatDuration, formatNs, formatShare, isCpuWork, plural } from '../lib/format.js';
import { TOOLS } from '../lib/labels.js';
import { logBarFraction } from '../lib/scale.js';
import { h, prefersReducedMotion, replace } from './dom.js';

const TOOL_ORDER = ['strace', 'ltrace', 'perf-trace', 'ftrace', 'bpftrace', 'blktrace', 'biolatency'];

/**
 * createTrace({ table, toolSelect, seenLine, measuredBox }, model, { onToolChange, onPriceOnMachine })
 *   .render(journey, { human, tool, measured })  .progress(pos)  .open(index, { focus })  .clear(message)
 * `measured` (optional) puts a measurement beside the model: { machine, priced, pricedOn,
 * items: [{ id, title, from, to, measuredNs, modelNs, ... }] } (see measuredItems in app.js):
 * a column marks the stages each probe covers, and measuredBox says what was measured there.
 */
export function createTrace({ table, toolSelect, seenLine, measuredBox = null }, model, hooks = {}) {
  const sources = new Map((model.sources ?? []).map((src) => [src.id, src]));
  let journey = null;
  let human = false;
  let tool = 'strace';
  let rows = [];
  let openIndex = -1;
  let measured = null;
  let columns = 9;

  // io_uring: the rows are the batch ÷ N; this says so (and what each read still waits).
  const perRead = h('p', { class: 'muted small per-read', id: 'trace-per-read', hidden: true });
  seenLine.after(perRead);

  replace(toolSelect, TOOL_ORDER.map((t) => h('option', { value: t }, t)));
  toolSelect.value = tool;
  toolSelect.addEventListener('change', () => {
    tool = toolSelect.value;
    hooks.onToolChange?.(tool);
    paintTool();
  });

  const thead = h('thead');
  const tbody = h('tbody');
  replace(table, thead, tbody);

  function header() {
    replace(thead, h('tr', {},
      h('th', { scope: 'col', class: 'col-idx' }, '#'),
      h('th', { scope: 'col', class: 'col-stage' }, 'Stage'),
      h('th', { scope: 'col', class: 'col-lane' }, 'Lane'),
      h('th', { scope: 'col', class: 'col-cycles num' }, 'Cycles'),
      h('th', { scope: 'col', class: 'col-time num' }, 'Time'),
      measured ? h('th', { scope: 'col', class: 'col-meas', title: 'What a probe measured on the machine, over the stages it covers' }, 'Measured') : null,
      h('th', { scope: 'col', class: 'col-share num' }, 'Share'),
      h('th', { scope: 'col', class: 'col-bar' }, 'Cost (log scale)'),
      h('th', { scope: 'col', class: 'col-cpu' }, 'CPU'),
      h('th', { scope: 'col', class: 'col-seen' }, 'Seen by')));
    columns = measured ? 10 : 9;
  }
  header();

  // The Measured cell of stage i: one bracket per probe that covers it; the first stage a probe
  // covers carries its figure.
  function measuredCell(i) {
    // meas-starts: a probe starts here (a class, not :has(.meas-first), which costs every row a
    // selector check while the page is laid out).
    const starts = measured.items.some((it) => it.from === i);
    return h('td', { class: `col-meas meas-n${measured.items.length}${starts ? ' meas-starts' : ''}` }, measured.items.map((it, k) => {
      if (i < it.from || i > it.to) return h('span', { class: 'meas-seg meas-none' });
      const first = i === it.from;
      return h('span', {
        class: `meas-seg meas-on meas-k${k}${first ? ' meas-first' : ''}${i === it.to ? ' meas-last' : ''}`,
        title: `${it.id}: ${formatNs(it.measuredNs)} measured over stages ${it.from + 1}–${it.to + 1}`,
        dataset: first ? { probe: it.id, ns: String(it.measuredNs) } : undefined,
      }, first ? h('span', { class: 'meas-label num' }, formatNs(it.measuredNs)) : null);
    }));
  }

  function paintMeasured() {
    if (!measuredBox) return;
    if (!measured || !journey) {
      measuredBox.hidden = true;
      measuredBox.replaceChildren();
      return;
    }
    const m = measured;
    replace(measuredBox,
      h('p', { class: 'meas-head' }, h('strong', {}, 'Measured on ', m.machine), m.source ? h('span', { class: 'muted' }, ` · ${m.source}`) : null),
      m.items.map((it, k) => h('div', { class: `meas-item meas-k${k}`, dataset: { probe: it.id } },
        h('p', { class: 'meas-line' },
          h('span', { class: 'meas-key', 'aria-hidden': 'true' }),
          h('strong', { class: 'num meas-value' }, formatNs(it.measuredNs)), ' measured by ', h('code', {}, it.id),
          ` (${it.title}), over stage${it.from === it.to ? '' : 's'} ${it.from + 1}${it.from === it.to ? '' : `–${it.to + 1}`}`,
          it.times !== 1 ? ` counted ${it.times} times` : '',
          it.extras.map((x) => ` plus ${x.what} (${formatNs(x.ns * x.times)}, not in this trace)`).join(''),
          it.spread ? h('span', { class: 'muted' }, ` · spread ${it.spread} across ${it.rounds} rounds`) : null),
        h('p', { class: 'meas-line meas-model' },
          'Model of the same: ', h('strong', { class: 'num meas-model-ns' }, formatNs(it.modelNs)),
          m.priced ? ' here' : ` here, on ${m.pricedOn}`,
          Number.isFinite(it.modelNs) && it.modelNs > 0 ? h('span', { class: 'muted' }, ` (measured ${(Math.round((it.measuredNs / it.modelNs) * 100) / 100).toFixed(2)}× of it)`) : null,
          ' · unfitted preset ', h('span', { class: 'num' }, formatNs(it.unfittedNs)),
          ' · predicted from the other probes ', h('span', { class: 'num' }, formatNs(it.predictedNs)), ' ',
          h('span', { class: `tag tag-${it.verdict.kind}` }, it.verdict.text)))),
      m.priced ? null : h('p', { class: 'meas-warn' },
        'This trace is priced on ', h('strong', {}, m.pricedOn), ', not on the measured machine. ',
        priceButton()));
    measuredBox.hidden = false;
  }

  function priceButton() {
    const b = h('button', { type: 'button', class: 'btn btn-small', id: 'trace-price-machine' }, 'Price on the measured machine');
    b.addEventListener('click', () => hooks.onPriceOnMachine?.());
    return b;
  }

  function badges(st) {
    const list = st.visible_to ?? [];
    if (!list.length) return h('span', { class: 'badge badge-none', title: 'No tracing tool can observe this stage' }, 'nobody');
    return TOOL_ORDER.filter((t) => list.includes(t)).concat(list.filter((t) => !TOOL_ORDER.includes(t)))
      .map((t) => h('span', { class: `badge badge-${t}`, title: TOOLS[t] ?? t, dataset: { tool: t } }, t));
  }

  function timeOf(st) {
    return formatDuration({ ns: st.ns, cycles: st.cycles }, human);
  }

  function details(st, i) {
    const ghz = journey.scenario?.ghz ?? 3;
    const src = sources.get(st.source);
    const lo = st.low_ns;
    const hi = st.high_ns;
    const hasRange = Number.isFinite(lo) && Number.isFinite(hi) && hi > 0;
    const marker = hasRange && hi > lo ? Math.max(0, Math.min(1, (Math.log10(Math.max(st.ns, 1e-3)) - Math.log10(Math.max(lo, 1e-3))) / (Math.log10(hi) - Math.log10(Math.max(lo, 1e-3))))) : 0.5;
    const rangeBar = h('div', { class: 'range-bar', 'aria-hidden': 'true' }, h('span', { class: `range-mark lane-${st.lane}` }));
    rangeBar.firstChild.style.left = `${(marker * 100).toFixed(1)}%`;
    const seen = st.visible_to ?? [];
    return h('div', { class: 'details', id: `stage-details-${i}` },
      h('div', { class: 'details-head' },
        h('h3', {}, st.title),
        h('code', { class: 'stage-id' }, st.id)),
      h('p', { class: 'explain' }, st.explain || 'No explanation in the model for this stage.'),
      h('dl', { class: 'facts' },
        h('div', {}, h('dt', {}, 'Kernel functions'), h('dd', {}, (st.functions ?? []).length
          ? h('ul', { class: 'fn-list' }, st.functions.map((f) => h('li', {}, h('code', {}, f))))
          : h('span', { class: 'muted' }, st.lane === 'hardware' ? 'none: this is the device working' : 'none listed'))),
        h('div', {}, h('dt', {}, 'Cost'), h('dd', {},
          hasRange
            ? h('div', { class: 'cost-range' },
              h('table', { class: 'cost-table' },
                h('tbody', {}, [['low', lo], ['typical', st.ns], ['high', hi]].map(([name, ns]) =>
                  h('tr', { class: name === 'typical' ? 'strong' : '' },
                    h('th', { scope: 'row' }, name),
                    h('td', { class: 'num' }, formatDuration({ ns, cycles: ns * ghz }, human)),
                    h('td', { class: 'num muted' }, `${formatCycles(ns * ghz)} cyc`))))),
              rangeBar)
            : h('span', { class: 'num' }, timeOf(st)),
          h('p', { class: 'muted small' },
            st.unit === 'ns' ? 'Measured in nanoseconds: a faster CPU does not shorten it. ' : 'Counted in CPU cycles: it scales with the clock. ',
            st.per === 'batch' && String(journey.scenario?.api).startsWith('io_uring')
              ? `Shared by the ${journey.scenario?.batch ?? ''} reads of one io_uring_enter; shown per read.`
              : st.per === 'overlap' ? `The reads of a batch overlap on the device; shown ÷ ${journey.scenario?.batch ?? ''} per read, though each read waits for its own device read in full.` : ''))),
        h('div', {}, h('dt', {}, 'Where'), h('dd', {},
          h('span', { class: `chip lane-${st.lane}` }, st.lane), ' ',
          st.on_cpu ? h('span', { class: 'chip chip-cpu' }, 'task on CPU') : h('span', { class: 'chip chip-blocked' }, 'task asleep'))),
        h('div', {}, h('dt', {}, 'Who can see it'), h('dd', {}, seen.length
          ? h('ul', { class: 'tool-list' }, seen.map((t) => h('li', {}, h('span', { class: `badge badge-${t}` }, t), ' ', TOOLS[t]?.replace(/^[^:]*: /, '') ?? '')))
          : 'No tracing tool can observe this stage.')),
        h('div', {}, h('dt', {}, 'Source'), h('dd', {},
          src
            ? [src.url ? h('a', { href: src.url, rel: 'noopener noreferrer', target: '_blank' }, src.citation) : src.citation,
              src.year ? ` (${src.year})` : '', ' ', h('code', { class: 'src-id' }, src.id),
              src.estimate ? h('span', { class: 'badge badge-estimate' }, 'estimate') : '']
            : h('code', {}, st.source ?? 'unknown')))));
  }

  function toggle(i, { focus = false, forceOpen = false } = {}) {
    const r = rows[i];
    if (!r) return;
    const wasOpen = openIndex === i;
    if (openIndex >= 0 && rows[openIndex]) {
      rows[openIndex].detailRow.remove();
      rows[openIndex].tr.setAttribute('aria-expanded', 'false');
      rows[openIndex].tr.classList.remove('open');
    }
    openIndex = -1;
    if (wasOpen && !forceOpen) return;
    const st = journey.stages[i];
    r.detailRow = h('tr', { class: `details-row lane-${st.lane}` }, h('td', { colspan: String(columns) }, details(st, i)));
    r.tr.after(r.detailRow);
    r.tr.setAttribute('aria-expanded', 'true');
    r.tr.classList.add('open');
    openIndex = i;
    if (focus) r.tr.focus({ preventScroll: true });
  }

  function onKey(e, i) {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      toggle(i);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      rows[i + (e.key === 'ArrowDown' ? 1 : -1)]?.tr.focus();
    } else if (e.key === 'Escape' && openIndex === i) {
      toggle(i);
    }
  }

  function paintTool() {
    if (!journey) return;
    let n = 0;
    rows.forEach(({ tr, st }) => {
      const seen = (st.visible_to ?? []).includes(tool);
      if (seen) n++;
      tr.classList.toggle('seen', seen);
      for (const b of tr.querySelectorAll('.badge[data-tool]')) b.classList.toggle('hl', b.dataset.tool === tool);
    });
    const total = journey.stages.length;
    const syscall = ['read', 'getppid', 'clock_gettime'].includes(journey.scenario?.op ?? 'read');
    replace(seenLine,
      h('strong', {}, `${tool} shows ${n} of ${plural(total, 'stage')}`),
      tool !== 'strace' ? '.'
        : syscall ? ': only the system-call boundary, entry and exit. Everything between is invisible to it.'
          : ': this is not a system call, so strace has nothing to stop on.');
    seenLine.dataset.seen = String(n);
    seenLine.dataset.total = String(total);
  }

  // The mark on a row whose time is the batch's ÷ N (io_uring): "÷32", with what it stands for.
  function shared(st) {
    const n = journey.scenario?.batch ?? 1;
    if (!String(journey.scenario?.api).startsWith('io_uring') || n <= 1 || st.per === 'read' || !st.per) return null;
    const what = st.per === 'overlap'
      ? `the device's time with ${n} reads in flight at once, ÷ ${n}: each read still waits for its own device read in full`
      : `paid once for the batch of ${n} and shown ÷ ${n}: each read waits for all of it`;
    return h('span', { class: 'per-mark', title: what, dataset: { per: st.per } }, ` ÷${n}`);
  }

  function paintPerRead(j) {
    const n = j.scenario?.batch ?? 1;
    const on = String(j.scenario?.api).startsWith('io_uring');
    perRead.hidden = !on;
    perRead.textContent = on
      ? `io_uring, ${n} per enter: each row is one read's part of the batch. Rows marked ÷${n} are shared by the batch (the time shown is the batch's ÷ ${n}); the counters above say what each read waits.`
      : '';
  }

  function render(j, opts = {}) {
    journey = j;
    paintPerRead(j);
    human = Boolean(opts.human);
    measured = opts.measured?.items?.length ? opts.measured : null;
    header();
    if (opts.tool) {
      tool = opts.tool;
      toolSelect.value = tool;
    }
    const keepOpen = openIndex >= 0 ? j.stages.findIndex((st) => st.id === rows[openIndex]?.st.id) : -1;
    openIndex = -1;
    const maxNs = Math.max(...j.stages.map((st) => st.ns || 0), 1e-9);
    rows = j.stages.map((st, i) => {
      const bar = h('span', { class: `bar lane-${st.lane}${st.on_cpu ? '' : ' blocked'}` });
      bar.style.width = `${(100 * logBarFraction(st.ns, maxNs)).toFixed(1)}%`;
      const tr = h('tr', {
        class: `stage-row lane-${st.lane}${st.on_cpu ? '' : ' is-blocked'}`, tabindex: '0', 'aria-expanded': 'false',
        'aria-label': `Stage ${i + 1}: ${st.title}, ${formatNs(st.ns)}. Press Enter for details.`,
        dataset: { stageId: st.id, index: String(i) },
      },
      h('td', { class: 'col-idx num' }, String(i + 1)),
      h('td', { class: 'col-stage' }, h('span', { class: 'stage-title' }, st.title), h('code', { class: 'stage-id' }, st.id)),
      h('td', { class: 'col-lane' }, h('span', { class: `chip lane-${st.lane}` }, st.lane)),
      isCpuWork(st)
        ? h('td', { class: 'col-cycles num' }, formatCycles(st.cycles), h('span', { class: 'narrow-only' }, ' cyc'))
        : h('td', { class: 'col-cycles num muted', title: 'A wait, not CPU work: counted in time, not cycles' }, '—'),
      h('td', { class: 'col-time num' }, timeOf(st), shared(st)),
      measured ? measuredCell(i) : null,
      h('td', { class: 'col-share num' }, formatShare(st.share)),
      h('td', { class: 'col-bar' }, h('span', { class: 'bar-track' }, bar)),
      h('td', { class: 'col-cpu' }, st.on_cpu ? h('span', { class: 'chip chip-cpu' }, 'on CPU') : h('span', { class: 'chip chip-blocked' }, 'asleep')),
      h('td', { class: 'col-seen' }, badges(st)));
      tr.addEventListener('click', (e) => {
        if (e.target.closest('a')) return;
        toggle(i);
      });
      tr.addEventListener('keydown', (e) => onKey(e, i));
      return { tr, st, detailRow: null };
    });
    replace(tbody, rows.map((r) => r.tr));
    table.hidden = false;
    table.classList.toggle('has-measured', Boolean(measured));
    paintTool();
    paintMeasured();
    if (keepOpen >= 0) toggle(keepOpen, { forceOpen: true });
  }

  function progress(pos) {
    rows.forEach(({ tr }, i) => {
      tr.classList.toggle('future', Boolean(pos && !pos.done && i > pos.index));
      tr.classList.toggle('current', Boolean(pos && !pos.done && i === pos.index));
    });
  }

  function clear(message) {
    journey = null;
    perRead.hidden = true;
    rows = [];
    openIndex = -1;
    measured = null;
    header();
    table.classList.remove('has-measured');
    replace(tbody, h('tr', { class: 'empty-row' }, h('td', { colspan: String(columns) }, message)));
    replace(seenLine, '');
    paintMeasured();
  }

  return {
    render,
    progress,
    clear,
    open(i, { focus = true } = {}) {
      toggle(i, { focus, forceOpen: true });
      rows[i]?.tr.scrollIntoView({ block: 'center', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
    },
  };
}
