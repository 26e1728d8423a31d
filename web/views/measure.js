// "Measure this machine": the button and its busy state, then what the server measured: the
// host, the model fitted to it, and per group of probes the measured time against the model
// before and after fitting. Fitted probes agree by construction; the others are predictions.
import { formatNs } from '../lib/format.js';
import {
  TOLERANCE, classify, describeScale, formatMeasuredRatio, groupProbes, hostFacts, measureError, notesOf, probeLabel,
  profileFacts, ratioPosition, summarize, toleranceBand,
} from '../lib/measure.js';
import { h, replace } from './dom.js';

const SPAN = 3; // the ratio bar runs from 1/3× to 3×

/** Text with `code` spans: "run `sysjourney serve`" -> ["run ", <code>sysjourney serve</code>]. */
function withCode(text) {
  return String(text).split('`').map((part, i) => (i % 2 ? h('code', {}, part) : part));
}

/**
 * createMeasure({ section, button, status, error, out }, { onMeasure })
 *   .busy()                         the measurement started
 *   .show(result, { model, seconds }) a sysjourney.measure/1 answer
 *   .fail(err)                      an EngineError
 * The section's data-state is idle, busy, done or error (tests and scripts wait on it).
 */
export function createMeasure({ section, button, status, error, out }, hooks = {}) {
  button.addEventListener('click', () => hooks.onMeasure?.());
  section.dataset.state = 'idle';

  function settle(state) {
    section.dataset.state = state;
    section.removeAttribute('aria-busy');
    button.disabled = false;
    button.textContent = out.hidden ? 'Measure this machine' : 'Measure again';
    // A disabled button drops the focus; give it back so keyboard users stay in place.
    if (document.activeElement === document.body || document.activeElement === null) button.focus({ preventScroll: true });
  }

  function busy() {
    section.dataset.state = 'busy';
    section.setAttribute('aria-busy', 'true');
    button.disabled = true;
    button.textContent = 'Measuring…';
    error.hidden = true;
    error.replaceChildren();
    replace(status, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Measuring: timing real system calls on the server\'s machine…');
  }

  function fail(err) {
    const { title, detail } = measureError(err);
    replace(error, h('strong', {}, title), ' ', withCode(detail));
    error.hidden = false;
    error.dataset.status = String(err?.status ?? 0);
    replace(status, out.hidden ? '' : 'The results below are from the previous measurement.');
    settle('error');
  }

  function show(result, { model = null, seconds = NaN } = {}) {
    const sum = summarize(result.probes);
    const took = Number.isFinite(seconds) ? ` in ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s` : '';
    replace(out,
      h('p', { class: 'measure-verdict', id: 'measure-summary', dataset: { within: String(sum.within), predicted: String(sum.predicted) } },
        h('strong', {}, sum.text),
        h('span', { class: 'muted' }, [` · ${sum.fitted} probe${sum.fitted === 1 ? '' : 's'} used for the fit`, sum.skippedText ? ` · ${sum.skippedText}` : ''].join(''))),
      h('div', { class: 'measure-grid' }, hostCard(result.host ?? {}, model), profileCard(result, model)),
      legend(),
      groupProbes(result.probes).map(groupTable),
      notes(notesOf(result)));
    out.hidden = false;
    error.hidden = true;
    // Seen: when it finished; heard: the headline too, since the results are further down.
    replace(status, `Done${took}.`, h('span', { class: 'sr-only' }, ` ${sum.text}; the results follow.`));
    settle('done');
  }

  return { busy, show, fail };
}

function hostCard(host, model) {
  return h('div', { class: 'measure-card' },
    h('h3', {}, 'This machine'),
    h('dl', { class: 'measure-facts', id: 'measure-host' }, hostFacts(host, model).map((f) =>
      h('div', { dataset: { fact: f.key } },
        h('dt', {}, f.label),
        h('dd', {}, f.value, f.detail ? h('span', { class: 'fact-detail' }, f.detail) : null)))));
}

function profileCard(result, model) {
  const p = profileFacts(result, model);
  return h('div', { class: 'measure-card', id: 'measure-profile' },
    h('h3', {}, 'The model, fitted to it'),
    h('p', { class: 'small' }, 'Closest CPU preset: ', h('strong', {}, p.presetTitle || 'unknown'),
      p.preset && p.preset !== p.presetTitle ? [' (', h('code', {}, p.preset), ')'] : '',
      Number.isFinite(p.ghz) ? `, run at ${Math.round(p.ghz * 100) / 100} GHz.` : '.',
      ' The fit multiplies the preset\'s cycle counts by:'),
    p.scales.length
      ? h('table', { class: 'scale-table' },
        h('caption', { class: 'sr-only' }, 'Fitted scale factors'),
        h('tbody', {}, p.scales.map((s) => {
          const d = describeScale(s.factor);
          return h('tr', { dataset: { scale: s.id } },
            h('th', { scope: 'row' }, s.label),
            h('td', { class: 'num' }, d.text),
            h('td', { class: 'muted' }, d.verdict));
        })))
      : h('p', { class: 'muted small' }, 'No scale factors were fitted.'),
    h('p', { class: 'small', id: 'measure-device' }, Number.isFinite(p.deviceNs)
      ? ['A 4 KiB read from the device takes ', h('strong', { class: 'num' }, formatNs(p.deviceNs)), ' here; the fitted model uses that in place of the device preset\'s time.']
      : 'The device could not be timed here, so device reads keep the model\'s latency.'));
}

function legend() {
  const band = toleranceBand(SPAN);
  const bar = ratioBar(NaN, band);
  return h('div', { class: 'measure-legend small' },
    h('p', {}, h('strong', {}, 'Measured'), ' is the median of many runs, with the 99th percentile under it. ',
      h('strong', {}, 'Model'), ' is the closest preset as it is; ', h('strong', {}, 'calibrated'), ' is the model after fitting. ',
      'Rows marked ', h('span', { class: 'tag tag-fitted' }, 'fitted'), ' were used for the fit, so they agree by construction. ',
      'All other rows are predictions, and measured / calibrated tests them: ',
      h('span', { class: 'tag tag-good' }, `within ±${TOLERANCE * 100}%`), ' or ', h('span', { class: 'tag tag-off' }, 'off'), '.'),
    h('p', { class: 'legend-bar' }, bar,
      h('span', {}, `The bar: measured against calibrated (the centre line), log scale from ⅓× to 3×; the shaded band is ±${TOLERANCE * 100}%.`)));
}

function ratioBar(ratio, band = toleranceBand(SPAN)) {
  const bandEl = h('span', { class: 'ratio-band' });
  bandEl.style.left = `${(band.from * 100).toFixed(1)}%`;
  bandEl.style.width = `${((band.to - band.from) * 100).toFixed(1)}%`;
  const parts = [bandEl, h('span', { class: 'ratio-mid' })];
  if (ratio > 0) {
    const { at, clamped } = ratioPosition(ratio, SPAN);
    const fill = h('span', { class: 'ratio-fill' });
    fill.style.left = `${(Math.min(at, 0.5) * 100).toFixed(1)}%`;
    fill.style.width = `${(Math.abs(at - 0.5) * 100).toFixed(1)}%`;
    const dot = h('span', { class: `ratio-dot${clamped ? ' clamped' : ''}` });
    dot.style.left = `${(at * 100).toFixed(1)}%`;
    parts.push(fill, dot);
  }
  return h('span', { class: 'ratio-bar', 'aria-hidden': 'true' }, parts);
}

function groupTable(group) {
  const titleId = `measure-group-${group.id}`;
  return h('section', { class: 'measure-group', dataset: { group: group.id }, 'aria-labelledby': titleId },
    h('h3', { id: titleId }, group.title),
    h('p', { class: 'muted small' }, group.what),
    h('div', { class: 'table-scroll' }, h('table', { class: 'measure-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', class: 'col-probe' }, 'Probe'),
        h('th', { scope: 'col', class: 'num col-measured' }, 'Measured'),
        h('th', { scope: 'col', class: 'num col-model' }, 'Model'),
        h('th', { scope: 'col', class: 'num col-calibrated' }, 'Calibrated'),
        h('th', { scope: 'col', class: 'col-ratio' }, 'Measured / calibrated'))),
      h('tbody', {}, group.probes.map(probeRow)))));
}

function probeRow(p) {
  const label = probeLabel(p.id);
  const c = classify(p);
  const head = h('th', { scope: 'row', class: 'col-probe' },
    h('span', { class: 'probe-title' }, label.title),
    label.what ? h('span', { class: 'probe-what' }, label.what) : null,
    h('code', { class: 'probe-id' }, p.id));
  const row = (...cells) => h('tr', { class: `probe-row kind-${c.kind}`, dataset: { probe: p.id, kind: c.kind } }, head, cells);
  if (c.kind === 'skipped') {
    return row(h('td', { class: 'col-skipped', colspan: '4' },
      h('span', { class: 'tag tag-skipped' }, 'did not run'), ' ', p.skipped));
  }
  const ns = (v) => (Number.isFinite(v) ? formatNs(v) : '—');
  return row(
    h('td', { class: 'num col-measured', dataset: { label: 'Measured' } },
      h('span', { class: 'measured' }, ns(p.median_ns)),
      Number.isFinite(p.p99_ns) ? h('span', { class: 'p99' }, `p99 ${formatNs(p.p99_ns)}`) : null),
    h('td', { class: 'num col-model', dataset: { label: 'Model' } }, ns(p.model_ns)),
    h('td', { class: 'num col-calibrated', dataset: { label: 'Calibrated' } }, ns(p.calibrated_ns)),
    h('td', { class: 'col-ratio', dataset: { label: 'Measured / calibrated' } },
      h('span', { class: 'ratio-line' },
        h('span', { class: 'num ratio-value', dataset: { ratio: String(c.ratio) } }, formatMeasuredRatio(c.ratio)),
        h('span', { class: `tag tag-${c.kind}` }, c.text)),
      ratioBar(c.ratio)));
}

function notes(list) {
  if (!list.length) return null;
  return h('div', { class: 'measure-notes', id: 'measure-notes' },
    h('h3', {}, 'Notes'),
    h('ul', {}, list.map((n) => h('li', {}, n))));
}
