// "Measure this machine": the buttons (measure the server's machine, or load a measure file
// from any machine; a file can also be dropped anywhere on the page), then one dense table of
// what the fit says: per probe the measurement (median, spread across rounds), the closest
// preset unfitted, and the leave-one-out prediction with its ratio and verdict; above it the
// two scores (fitted against unfitted), whether the machine was busy, and the host facts the
// fit had to assume. The fit's parameters, the host and the tails sit in collapsed details.
import { formatNs } from '../lib/format.js';
import {
  MAX_FILE_BYTES, bandText, classify, defaultsOf, describeScale, fitError, formatError, formatMeasuredRatio, formatSigma,
  formatSpread, groupProbes, hostFacts, hostLine, loadFacts, measureError, modelVerdict, notesOf, p99Label, probeLabel,
  profileFacts, ratioPosition, summarize, toleranceBand,
} from '../lib/measure.js';
import { h, replace } from './dom.js';

const SPAN = 3; // the ratio bar runs from 1/3× to 3×
const COLUMNS = 7;

/** Text with `code` spans: "run `sysjourney serve`" -> ["run ", <code>sysjourney serve</code>]. */
function withCode(text) {
  return String(text).split('`').map((part, i) => (i % 2 ? h('code', {}, part) : part));
}

const ns = (v) => (Number.isFinite(v) && v > 0 ? formatNs(v) : '—');

/**
 * createMeasure({ section, button, loadButton, fileInput, status, error, out }, hooks)
 * hooks: onMeasure(), onFile(file), onMachine(on), onDownload()
 *   .busy(what, fileName)                 what: 'measure' | 'fit'
 *   .show(doc, { model, seconds, source, fileName, machineOn })   a fitted sysjourney.measure/1
 *   .fail(err)                            a failed measurement (EngineError)
 *   .failFile(err, fileName)              a file that could not be fitted
 *   .machine(on)                          the "price on this machine" switch changed elsewhere
 * The section's data-state is idle, busy, done or error (tests and scripts wait on it); its
 * data-source says where the figures on screen came from (measured or file).
 */
export function createMeasure({ section, button, loadButton, fileInput, status, error, out }, hooks = {}) {
  button.addEventListener('click', () => hooks.onMeasure?.());
  loadButton.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    fileInput.value = ''; // the same file again is a new choice
    if (file) hooks.onFile?.(file);
  });
  section.dataset.state = 'idle';
  let machineBox = null;

  function settle(state) {
    section.dataset.state = state;
    section.removeAttribute('aria-busy');
    button.disabled = false;
    loadButton.disabled = false;
    button.textContent = out.hidden || section.dataset.source !== 'measured' ? 'Measure this machine' : 'Measure again';
    // A disabled button drops the focus; give it back so keyboard users stay in place.
    if (document.activeElement === document.body || document.activeElement === null) {
      (section.dataset.pressed === 'load' ? loadButton : button).focus({ preventScroll: true });
    }
  }

  function busy(what = 'measure', fileName = '') {
    section.dataset.state = 'busy';
    section.dataset.pressed = what === 'fit' ? 'load' : 'measure';
    section.setAttribute('aria-busy', 'true');
    button.disabled = true;
    loadButton.disabled = true;
    if (what === 'measure') button.textContent = 'Measuring…';
    error.hidden = true;
    error.replaceChildren();
    replace(status, h('span', { class: 'spinner', 'aria-hidden': 'true' }), what === 'fit'
      ? `Fitting the model to ${fileName || 'the measure file'}…`
      : 'Measuring: timing real system calls on the server\'s machine…');
  }

  function fail(err) {
    const { title, detail } = measureError(err);
    replace(error, h('strong', {}, title), ' ', withCode(detail));
    error.hidden = false;
    error.dataset.status = String(err?.status ?? 0);
    delete error.dataset.field;
    replace(status, out.hidden ? '' : 'The results below are from before.');
    settle('error');
  }

  function failFile(err, fileName = '') {
    const e = fitError(err, fileName);
    replace(error, h('strong', {}, e.title), ' ', withCode(e.detail),
      e.field ? h('span', { class: 'error-detail' }, ' Field: ', h('code', {}, e.field), e.value !== '' ? [' = ', h('code', {}, e.value)] : '', '.') : '',
      e.allowed ? h('span', { class: 'error-detail' }, ` Allowed: ${e.allowed}.`) : '');
    error.hidden = false;
    error.dataset.status = String(err?.status ?? 0);
    if (e.field) error.dataset.field = e.field;
    else delete error.dataset.field;
    replace(status, out.hidden ? '' : 'The results below are from before.');
    settle('error');
  }

  function show(doc, { model = null, seconds = NaN, source = 'measured', fileName = '', machineOn = false } = {}) {
    const sum = summarize(doc);
    section.dataset.source = source;
    const took = Number.isFinite(seconds) && seconds >= 0.05 ? ` in ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s` : '';
    const load = loadFacts(doc.load);
    machineBox = h('input', { type: 'checkbox', id: 'machine-on', checked: machineOn });
    machineBox.addEventListener('change', () => hooks.onMachine?.(machineBox.checked));
    const download = h('button', { type: 'button', class: 'btn btn-small', id: 'measure-download' }, 'Download JSON');
    download.addEventListener('click', () => hooks.onDownload?.());
    replace(out,
      h('p', { class: 'measure-source', id: 'measure-source' },
        h('strong', {}, source === 'file' ? ['From ', h('code', {}, fileName || 'a measure file')] : 'Measured on the server\'s machine'),
        ' · ', hostLine(doc.host ?? {})),
      scores(doc, sum, model, load, h('div', { class: 'measure-actions' },
        h('span', { class: 'switch' }, machineBox, h('label', { for: 'machine-on' }, 'Price every journey on this machine')),
        download)),
      load.busy ? loadNote(load) : null,
      defaultsBox(defaultsOf(doc)),
      probeTable(doc, sum),
      legend(sum.band),
      fitDetails(doc, model),
      tailsDetails(doc),
      notes(notesOf(doc)));
    out.hidden = false;
    error.hidden = true;
    // Seen: when it finished; heard: the headline too, since the results are further down.
    replace(status, source === 'file' ? `Fitted${took}.` : `Done${took}.`, h('span', { class: 'sr-only' }, ` ${sum.text}; the results follow.`));
    settle('done');
  }

  function machine(on) {
    if (machineBox) machineBox.checked = Boolean(on);
  }

  return { busy, show, fail, failFile, machine };
}

// How busy the machine was: a box when it was busy, a quiet clause of the rule line otherwise.
function loadNote(load) {
  return h(load.busy ? 'div' : 'span', {
    class: `measure-load${load.busy ? ' is-busy' : load.known ? ' is-quiet' : ' is-unknown'}`, id: 'measure-load',
    dataset: { busy: String(load.busy), known: String(load.known) },
  },
  load.busy ? h('strong', {}, 'Busy machine. ') : null, load.text,
  load.detail ? h('span', { class: 'load-detail' }, ` ${load.detail}.`) : null);
  // (quiet: "The machine was quiet while it was measured: steal 0% · ... · 5 rounds.")
}

function scores(doc, sum, model, load, actions) {
  const p = profileFacts(doc, model);
  const ghz = Number.isFinite(p.ghz) ? ` at ${Math.round(p.ghz * 100) / 100} GHz` : '';
  return h('div', {
    class: 'measure-scores', id: 'measure-summary',
    dataset: { within: String(sum.within), predicted: String(sum.predicted), modelWithin: String(sum.modelWithin), modelScored: String(sum.modelScored) },
  },
  h('div', { class: 'scores-row' },
  h('p', { class: 'score score-fit' },
    h('strong', { class: 'score-num' }, sum.predicted ? `${sum.within} of ${sum.predicted}` : '—'),
    h('span', { class: 'score-what' }, `predictions within ${bandText(sum.band)}`),
    h('span', { class: 'score-how' }, 'fitted to all the other probes (leave one out)')),
  h('p', { class: 'score score-model' },
    h('strong', { class: 'score-num' }, sum.modelScored ? `${sum.modelWithin} of ${sum.modelScored}` : '—'),
    h('span', { class: 'score-what' }, ['unfitted ', h('code', { title: p.presetTitle }, p.preset || 'preset'), ` within ${bandText(sum.band)}`]),
    h('span', { class: 'score-how' }, `the closest preset as it is${ghz}`)),
  actions),
  h('p', { class: 'score-rule small muted' },
    h('strong', { class: 'sr-only' }, `${sum.text}. `),
    `Within ${bandText(sum.band)}: |predicted − measured| ≤ ${Math.round(sum.band * 100)}% of measured.`,
    sum.skippedText ? ` ${sum.skippedText} here.` : '', ' ',
    load.busy ? null : loadNote(load)));
}

function defaultsBox(list) {
  if (!list.length) return null;
  return h('div', { class: 'measure-defaults', id: 'measure-defaults' },
    h('strong', {}, 'Assumed, because the file does not say:'),
    h('ul', {}, list.map((d) => h('li', {}, d))));
}

function ratioBar(ratio, band) {
  const b = toleranceBand(SPAN, band);
  const bandEl = h('span', { class: 'ratio-band' });
  bandEl.style.left = `${(b.from * 100).toFixed(1)}%`;
  bandEl.style.width = `${((b.to - b.from) * 100).toFixed(1)}%`;
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

function probeTable(doc, sum) {
  const col = (cls, text, title) => h('th', { scope: 'col', class: cls, title }, text);
  return h('div', { class: 'table-scroll' }, h('table', { class: 'measure-table', id: 'measure-table' },
    h('caption', { class: 'sr-only' }, 'Each probe: measured, the unfitted preset, and the prediction from the other probes'),
    h('thead', {}, h('tr', {},
      col('col-probe', 'Probe'),
      col('num col-measured', 'Measured', 'Median over all rounds'),
      col('num col-spread', 'Spread', 'Slowest round\'s median / fastest round\'s median'),
      col('num col-model', 'Unfitted', 'The closest preset as it is, at the host\'s clock'),
      col('num col-predicted', 'Predicted', 'The model fitted to every other probe: this probe left out'),
      col('num col-ratio', 'Meas. / pred.', 'Measured median / leave-one-out prediction, on a log scale from ⅓× to 3×'),
      col('col-verdict', 'Verdict', `The prediction within ${bandText(sum.band)} of the measurement, or how far off`))),
    groupProbes(doc.probes ?? []).map((g) => h('tbody', { dataset: { group: g.id } },
      h('tr', { class: 'group-row' }, h('th', { scope: 'colgroup', colspan: String(COLUMNS) },
        h('span', { class: 'group-title' }, g.title), g.what ? h('span', { class: 'group-what' }, ` · ${g.what}`) : null)),
      g.probes.map((p) => probeRow(p, sum.band))))));
}

function probeRow(p, band) {
  const label = probeLabel(p.id);
  const c = classify(p, band);
  const head = h('th', { scope: 'row', class: 'col-probe', title: label.what || null },
    h('span', { class: 'probe-title' }, label.title), ' ', h('code', { class: 'probe-id' }, p.id));
  const row = (...cells) => h('tr', { class: `probe-row kind-${c.kind}`, dataset: { probe: p.id, kind: c.kind, within: String(c.kind === 'good') } }, head, cells);
  if (c.kind === 'skipped') {
    return row(h('td', { class: 'col-skipped', colspan: String(COLUMNS - 1) },
      h('span', { class: 'tag tag-skipped' }, 'did not run'), ' ', String(p.skipped)));
  }
  const m = modelVerdict(p, band);
  const spread = formatSpread(p);
  return row(
    h('td', { class: 'num col-measured', dataset: { label: 'Measured' } }, h('span', { class: 'measured' }, ns(p.median_ns))),
    h('td', { class: 'num col-spread', dataset: { label: 'Spread' }, title: p.rounds ? `across ${p.rounds} rounds` : null },
      spread || h('span', { class: 'muted' }, '—')),
    h('td', { class: `num col-model${m ? (m.within ? ' model-good' : ' model-off') : ''}`, dataset: { label: 'Unfitted', within: m ? String(m.within) : '' } },
      ns(p.model_ns), m ? h('span', { class: 'model-mark', title: m.within ? `within ${bandText(band)}` : `off by ${formatError(m.error)}` },
        m.within ? ' ✓' : ` ${formatError(m.error)}`) : null),
    h('td', { class: 'num col-predicted', dataset: { label: 'Predicted' } }, ns(p.predicted_ns)),
    h('td', { class: 'num col-ratio', dataset: { label: 'Meas. / pred.' } },
      h('span', { class: 'ratio-value', dataset: { ratio: String(c.ratio) } }, formatMeasuredRatio(c.ratio)), ratioBar(c.ratio, band)),
    h('td', { class: 'col-verdict', dataset: { label: 'Verdict' } }, h('span', { class: `tag tag-${c.kind}` }, c.text)));
}

function legend(band) {
  return h('p', { class: 'measure-legend small muted' },
    h('strong', {}, 'Measured'), ': median of all rounds; ', h('strong', {}, 'spread'), ': slowest round / fastest. ',
    h('strong', {}, 'Unfitted'), `: the closest preset as it is (✓ within ${bandText(band)}). `,
    h('strong', {}, 'Predicted'), ': fitted to every other probe, the honest test. The bar: measured / predicted, ⅓× to 3×, band ',
    bandText(band), '.');
}

function fitDetails(doc, model) {
  const p = profileFacts(doc, model);
  const fitted = p.parameters.filter((x) => x.fitted).length;
  return h('details', { class: 'measure-details', id: 'measure-fit' },
    h('summary', {}, `The fit: ${fitted} of ${p.parameters.length} factors fitted on the closest preset, `, h('code', {}, p.preset || '?'),
      ' · the machine'),
    h('div', { class: 'measure-grid' },
      h('div', { class: 'measure-card', id: 'measure-profile' },
        h('h3', {}, 'The model, fitted to it'),
        h('p', { class: 'small' }, 'Closest CPU preset: ', h('strong', {}, p.presetTitle || 'unknown'),
          p.preset && p.preset !== p.presetTitle ? [' (', h('code', {}, p.preset), ')'] : '',
          Number.isFinite(p.ghz) ? `, at ${Math.round(p.ghz * 100) / 100} GHz.` : '.',
          ' Each factor multiplies what the preset says, with one standard error:'),
        p.parameters.length
          ? h('table', { class: 'scale-table' },
            h('caption', { class: 'sr-only' }, 'Fitted factors'),
            h('tbody', {}, p.parameters.map((x) => {
              const d = describeScale(x.value, x.fitted);
              return h('tr', { dataset: { scale: x.name, fitted: String(x.fitted) } },
                h('th', { scope: 'row' }, x.label),
                h('td', { class: 'num' }, d.text),
                h('td', { class: 'num muted' }, x.fitted ? formatSigma(x.sigma) : ''),
                h('td', { class: 'muted' }, d.verdict, x.fitted && x.probes.length ? ` (${x.probes.length} probes)` : ''));
            })))
          : h('p', { class: 'muted small' }, 'No factors were fitted.')),
      h('div', { class: 'measure-card' },
        h('h3', {}, 'The machine'),
        h('dl', { class: 'measure-facts', id: 'measure-host' }, hostFacts(doc.host ?? {}, model).map((f) =>
          h('div', { dataset: { fact: f.key } },
            h('dt', {}, f.label),
            h('dd', {}, f.value, f.detail ? h('span', { class: 'fact-detail' }, f.detail) : null)))))));
}

function tailsDetails(doc) {
  const probes = (doc.probes ?? []).filter((p) => !p.skipped);
  if (!probes.length) return null;
  return h('details', { class: 'measure-details', id: 'measure-tails' },
    h('summary', {}, 'Each probe: what it times, its tail and its rounds'),
    h('div', { class: 'table-scroll' }, h('table', { class: 'tails-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Probe'), h('th', { scope: 'col' }, 'What it times'),
        h('th', { scope: 'col', class: 'num' }, 'Min'), h('th', { scope: 'col', class: 'num' }, 'Median'),
        h('th', { scope: 'col', class: 'num' }, 'p99'), h('th', { scope: 'col', class: 'num' }, 'Round medians'))),
      h('tbody', {}, probes.map((p) => h('tr', { dataset: { probe: p.id } },
        h('th', { scope: 'row', class: 'tail-id' }, h('code', {}, p.id)),
        h('td', { class: 'muted tail-what' }, probeLabel(p.id).what),
        h('td', { class: 'num tail-min', dataset: { label: 'Min' } }, ns(p.min_ns)),
        h('td', { class: 'num tail-median', dataset: { label: 'Median' } }, ns(p.median_ns)),
        h('td', { class: 'num tail-p99', dataset: { label: 'p99' } }, ns(p.p99_ns),
          Number.isFinite(p.p99_ns) ? h('span', { class: 'p99-of' }, p99Label(p).replace(/^p99 ?/, '')) : null),
        h('td', { class: 'num round-medians', dataset: { label: 'Round medians' } }, (p.round_medians_ns ?? []).map(ns).join(' · ') || '—')))))));
}

function notes(list) {
  if (!list.length) return null;
  return h('div', { class: 'measure-notes', id: 'measure-notes' },
    h('strong', {}, 'Notes: '),
    h('ul', {}, list.map((n) => h('li', {}, n))));
}

/**
 * A measure file dropped anywhere on the page: the page is marked while a file is dragged over
 * it (body.dropping) and onFile(file) gets the first file dropped. Files only; text and links
 * dragged about are left alone.
 */
export function wireDrop(onFile, target = document) {
  let depth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
  const mark = (on) => document.body.classList.toggle('dropping', on);
  target.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    mark(true);
  });
  target.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  target.addEventListener('dragleave', (e) => {
    if (!hasFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) mark(false);
  });
  target.addEventListener('drop', (e) => {
    if (!hasFiles(e) && !e.dataTransfer?.files?.length) return;
    e.preventDefault();
    depth = 0;
    mark(false);
    const file = e.dataTransfer.files?.[0];
    if (file) onFile(file);
  });
}

/** Reads a dropped or chosen file as text, refusing what cannot be a measure file. */
export async function readMeasureFile(file) {
  if (file.size > MAX_FILE_BYTES) {
    throw Object.assign(new Error(`it is ${Math.round(file.size / 1024)} KiB; a measure file is 10-20 KB, and at most ${MAX_FILE_BYTES / 1024} KiB is accepted`),
      { status: 413, field: 'file', value: file.name, allowed: `a sysjourney.measure/1 JSON file of at most ${MAX_FILE_BYTES / 1024} KiB` });
  }
  return file.text();
}
