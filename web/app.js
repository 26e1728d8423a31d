// Entry point: holds the page state and wires the views to the engine. The views never call
// the engine themselves; everything they show comes through here.
import * as engine from './engine.js';
import { formatNs } from './lib/format.js';
import { defaultScenario, fromQuery, normalize, summary, toQuery } from './lib/scenario.js';
import { createCompare } from './views/compare.js';
import { createControls } from './views/controls.js';
import { byId, h, prefersReducedMotion, replace } from './views/dom.js';
import { createUringCalculator, wireShowMe } from './views/explainers.js';
import { createExporter } from './views/exporter.js';
import { createLanes } from './views/lanes.js';
import { createMeasure } from './views/measure.js';
import { BASELINE_OPS, countersAt, createBaselines, createCounters } from './views/summary.js';
import { createTimeline } from './views/timeline.js';
import { createTrace } from './views/trace.js';

const MACHINE = ['cpu', 'ghz', 'kpti', 'pcid'];

const state = {
  model: null,
  scenario: null,
  journey: null, // the last run shown in the trace
  journeyQuery: '',
  journeyLabel: '',
  pos: null, // where the animation is
  pinned: null,
  pinnedLabel: '',
  human: false,
  tool: 'strace',
  mode: 'broken',
  baselines: {},
  baselineKey: '',
  baselineError: '',
  measuring: false,
};

const app = byId('app');
let views = null;
let runSeq = 0;
let previewSeq = 0;

function setState(s) {
  app.dataset.state = s;
}

function query(scenario = state.scenario) {
  return toQuery(scenario, state.model);
}

function pageUrl(q) {
  const u = new URL(window.location.href);
  u.search = q ? `?${q}` : '';
  u.hash = '';
  return u.href;
}

function showError(err, prefix = '') {
  const el = byId('error');
  const refused = err?.status === 400;
  replace(el,
    h('strong', {}, refused ? 'The engine refused this scenario. ' : prefix || 'Something went wrong. '),
    String(err?.message ?? err).replace(/([^.!?])$/, '$1.'),
    err?.field ? h('span', { class: 'error-detail' }, ` Option: ${err.field}${err.value !== undefined && err.value !== '' ? ` = ${err.value}` : ''}.`) : '',
    err?.allowed ? h('span', { class: 'error-detail' }, ` Allowed: ${err.allowed}.`) : '');
  el.hidden = false;
  if (err?.field) views?.controls.markInvalid(err.field);
}

function clearError() {
  const el = byId('error');
  el.hidden = true;
  el.replaceChildren();
}

function notice(msg) {
  const el = byId('notice');
  el.textContent = msg;
  el.hidden = !msg;
}

function runLabel() {
  const op = state.scenario.op;
  byId('run').textContent = {
    read: 'Run read()',
    function_call: 'Run the function call',
    vdso_clock_gettime: 'Run clock_gettime()',
    getppid: 'Run getppid()',
  }[op] ?? 'Run';
}

function machineOf(scenario) {
  const m = {};
  for (const k of MACHINE) m[k] = scenario[k];
  return m;
}

/** Everything that depends on the human-scale switch or the displayed run. */
function renderResults() {
  const j = state.journey;
  const { trace, timeline, compare, baselines, counters } = views;
  if (j) {
    trace.render(j, { human: state.human, tool: state.tool });
    trace.progress(state.pos);
    timeline.render(j, { human: state.human, mode: state.mode });
    // The counters follow the lanes: after an edit they show the new route, not yet run.
    if (state.journeyQuery === query()) counters.show(countersAt(j, state.pos ?? { done: true, begun: j.stages.length }), state.human);
    else counters.show({}, state.human);
  } else {
    trace.clear('Press Run to fill the trace, one row per stage.');
    timeline.clear('The timeline appears after the first run.');
    counters.show({}, state.human);
  }
  compare.show({ a: state.pinned, b: j, aLabel: state.pinnedLabel, bLabel: state.journeyLabel, human: state.human });
  baselines.show({ journey: j, baselines: state.baselines, human: state.human, error: state.baselineError });
  renderMeta();
}

function renderMeta() {
  const meta = byId('trace-meta');
  if (!state.journey) {
    meta.textContent = '';
    return;
  }
  const stale = state.journeyQuery !== query();
  replace(meta, `· ${state.journeyLabel}`, stale ? h('span', { class: 'badge badge-stale', title: 'The options changed since this run' }, 'previous run') : '');
}

function updateExport() {
  views.exporter.update(pageUrl(state.journey ? state.journeyQuery : query()), state.journeyQuery, state.journey);
}

/** Shows the route the current options would take, before running it. */
async function preview() {
  const my = ++previewSeq;
  try {
    const j = await engine.run(query());
    if (my !== previewSeq) return;
    clearError();
    views.lanes.route(j);
    if (app.dataset.state !== 'done') setState('idle');
  } catch (e) {
    if (my === previewSeq) showError(e);
  }
}

/** Runs the current scenario and shows it; animates unless told not to or motion is reduced. */
async function runCurrent({ animate = true } = {}) {
  const my = ++runSeq;
  previewSeq++;
  const q = query();
  setState('loading');
  let j;
  try {
    j = await engine.run(q);
  } catch (e) {
    if (my === runSeq) {
      showError(e);
      setState('error');
    }
    return;
  }
  if (my !== runSeq) return;
  clearError();
  const motion = animate && !prefersReducedMotion() && j.stages.length > 0;
  state.journey = j;
  state.journeyQuery = q;
  state.journeyLabel = summary(state.scenario, state.model);
  app.dataset.shown = q; // the query of the run on screen (tests and scripts wait on it)
  state.pos = motion ? { index: 0, frac: 0, ns: 0, cycles: 0, begun: 0, done: false } : null;
  renderResults();
  updateExport();
  byId('pin').disabled = false;
  byId('skip').disabled = !motion;
  setState(motion ? 'running' : 'done');
  views.lanes.play(j, { animate: motion });
}

function onProgress(pos, j) {
  if (j !== state.journey) return;
  state.pos = pos.done ? null : pos;
  views.counters.show(countersAt(j, pos), state.human);
  views.trace.progress(state.pos);
}

function onDone(j) {
  if (j !== state.journey) return;
  byId('announce').textContent = `Finished after ${j.stages.length} stages and ${formatNs(j.totals.ns)}: ${j.result ?? ''}`;
  state.pos = null;
  views.trace.progress(null);
  byId('skip').disabled = true;
  setState('done');
}

async function refreshBaselines() {
  const machine = machineOf(state.scenario);
  const key = JSON.stringify(machine);
  if (key === state.baselineKey) return;
  state.baselineKey = key;
  const base = defaultScenario(state.model);
  try {
    const list = await Promise.all(BASELINE_OPS.map((op) => engine.run(normalize({ ...base, ...machine, op }, state.model))));
    if (key !== state.baselineKey) return;
    state.baselines = Object.fromEntries(BASELINE_OPS.map((op, i) => [op, list[i]]));
    state.baselineError = '';
  } catch (e) {
    if (key !== state.baselineKey) return;
    state.baselines = {};
    state.baselineError = `Baselines unavailable: ${e.message}`;
  }
  views.baselines.show({ journey: state.journey, baselines: state.baselines, human: state.human, error: state.baselineError });
}

function onScenarioChange(next) {
  state.scenario = normalize(next, state.model);
  views.controls.update(state.scenario);
  const q = query();
  window.history.replaceState(null, '', pageUrl(q));
  runLabel();
  renderMeta();
  views.counters.show({}, state.human);
  if (!state.journey) updateExport();
  else views.exporter.update(pageUrl(q), state.journeyQuery, state.journey);
  if (app.dataset.state === 'running') {
    views.lanes.stop();
    byId('skip').disabled = true;
    setState('done');
    state.pos = null;
    views.trace.progress(null);
  }
  preview();
  refreshBaselines();
  views.calc.update();
}

function pin() {
  if (!state.journey) return;
  state.pinned = state.journey;
  state.pinnedLabel = state.journeyLabel;
  renderResults();
}

async function showMe(demo) {
  const base = defaultScenario(state.model);
  if (demo.pin) {
    const a = normalize({ ...base, ...demo.pin }, state.model);
    try {
      state.pinned = await engine.run(query(a));
      state.pinnedLabel = summary(a, state.model);
    } catch (e) {
      showError(e);
      return;
    }
  }
  state.scenario = normalize({ ...base, ...demo.run }, state.model);
  views.controls.update(state.scenario);
  window.history.replaceState(null, '', pageUrl(query()));
  runLabel();
  refreshBaselines();
  views.calc.update();
  byId('sim').scrollIntoView({ behavior: prefersReducedMotion() ? 'auto' : 'smooth', block: 'start' });
  byId('run').focus({ preventScroll: true }); // keyboard users land where the action is
  await runCurrent({ animate: true });
}

async function calculatorCosts(batch) {
  const base = defaultScenario(state.model);
  const machine = machineOf(state.scenario);
  // Data already waiting in memory: a page-cache hit (the engine models io_uring for files).
  const ready = { ...base, ...machine, fd: 'file', cache: 'hit' };
  const [read, uring, wait] = await Promise.all([
    engine.run(normalize({ ...ready, api: 'read' }, state.model)),
    engine.run(normalize({ ...ready, api: 'io_uring', batch }, state.model)),
    engine.run(normalize({ ...base, ...machine, op: 'getppid' }, state.model)),
  ]);
  const sc = read.scenario ?? {};
  const cpu = state.model.cpus?.find((c) => c.id === sc.cpu)?.title ?? sc.cpu ?? 'this CPU';
  return {
    readNs: read.totals.ns,
    uringReadNs: uring.totals.ns,
    epollWaitNs: wait.totals.ns,
    machine: `${cpu}, ${sc.ghz} GHz, KPTI ${sc.kpti ? 'on' : 'off'}${sc.kpti ? `, PCID ${sc.pcid ? 'on' : 'off'}` : ''}`,
  };
}

/**
 * Times the server's machine; the view shows the busy state, then the result or the refusal.
 * Needs no model (its titles are a nicety), so it works even when the simulator could not start.
 */
async function measureMachine() {
  if (state.measuring) return;
  state.measuring = true;
  measureView.busy();
  const t0 = performance.now();
  try {
    const result = await engine.measure();
    measureView.show(result, { model: state.model, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    measureView.fail(e);
  } finally {
    state.measuring = false;
  }
}

const measureView = createMeasure({
  section: byId('measure'), button: byId('measure-run'), status: byId('measure-status'), error: byId('measure-error'),
  out: byId('measure-out'),
}, { onMeasure: measureMachine });

async function init() {
  let model;
  try {
    model = await engine.model();
  } catch (e) {
    showError(e, 'The page cannot start without the engine. ');
    setState('error');
    return;
  }
  state.model = model;
  byId('version').textContent = model.version ? `model ${model.version}` : '';
  const { scenario, problems } = fromQuery(window.location.search, model);
  state.scenario = scenario;
  const hadQuery = new URLSearchParams(window.location.search).toString() !== '';
  window.history.replaceState(null, '', pageUrl(query())); // canonical form: API order, defaults left out
  if (problems.length) notice(`Part of the link was not understood and was left at the default: ${problems.map((p) => p.message).join('; ')}.`);

  const select = (i) => {
    if (state.journey) views.trace.open(i);
  };
  // The lanes may show the route of edited options that has not been run yet.
  const selectFromLanes = (i) => {
    if (state.journey && state.journeyQuery === query()) views.trace.open(i);
  };
  views = {
    controls: createControls(byId('controls'), model, scenario, onScenarioChange),
    lanes: createLanes(byId('lanes'), { onSelect: selectFromLanes, onProgress, onDone }),
    counters: createCounters(byId('counters')),
    baselines: createBaselines(byId('baselines')),
    trace: createTrace({ table: byId('trace-table'), toolSelect: byId('tool'), seenLine: byId('seen-line') }, model, {
      onToolChange: (t) => {
        state.tool = t;
      },
    }),
    timeline: createTimeline(byId('timeline'), { onSelect: select }),
    compare: createCompare(byId('compare'), {
      onUnpin: () => {
        state.pinned = null;
        renderResults();
        byId('pin').focus();
      },
      onSwap: pin,
    }),
    exporter: createExporter({
      link: byId('permalink'), copy: byId('copy-link'), json: byId('export-json'), csv: byId('export-csv'),
      trace: byId('export-trace'), status: byId('export-status'),
    }),
    calc: createUringCalculator(byId('calc'), calculatorCosts, model.ranges),
  };

  byId('run').addEventListener('click', () => runCurrent({ animate: true }));
  byId('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    runCurrent({ animate: true });
  });
  byId('skip').addEventListener('click', () => views.lanes.skip());
  byId('pin').addEventListener('click', pin);
  byId('human').addEventListener('change', (e) => {
    state.human = e.target.checked;
    renderResults();
  });
  for (const btn of document.querySelectorAll('.seg-toggle [data-mode]')) {
    btn.addEventListener('click', () => {
      state.mode = btn.dataset.mode;
      for (const b of document.querySelectorAll('.seg-toggle [data-mode]')) b.setAttribute('aria-pressed', String(b === btn));
      if (state.journey) views.timeline.render(state.journey, { human: state.human, mode: state.mode });
    });
  }
  wireShowMe(byId('essays'), showMe);

  runLabel();
  renderResults();
  updateExport();
  refreshBaselines();
  views.calc.update();
  setState('idle');
  // A link with options opens straight on its result; a bare visit waits for the Run button.
  if (hadQuery) await runCurrent({ animate: false });
  else await preview();
}

init();
