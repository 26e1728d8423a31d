// Entry point: holds the page state and wires the views to the engine. The views never call
// the engine themselves; everything they show comes through here.
import * as engine from './engine.js';
import { formatNs, plural } from './lib/format.js';
import { actualFor, questionFor } from './lib/guess.js';
import { bandOf, classify, formatSpread, hostLine, journeyNsFrom, probeLabel, probesOnTrace } from './lib/measure.js';
import { defaultScenario, forForm, fromQuery, normalize, problemsOf, summary, toQuery } from './lib/scenario.js';
import { createCompare } from './views/compare.js';
import { createControls } from './views/controls.js';
import { byId, h, prefersReducedMotion, replace } from './views/dom.js';
import { createUringCalculator, wireShowMe } from './views/explainers.js';
import { createExporter, download } from './views/exporter.js';
import { createGuess } from './views/guess.js';
import { createLanes } from './views/lanes.js';
import { createMeasure, readMeasureFile, wireDrop } from './views/measure.js';
import { BASELINE_OPS, countersAt, createBaselines, createCounters } from './views/summary.js';
import { createTimeline } from './views/timeline.js';
import { createTrace } from './views/trace.js';

const MACHINE = ['cpu', 'ghz', 'kpti', 'pcid'];
// What a measured machine decides while journeys are priced on it (its profile).
const MEASURED_MACHINE = ['cpu', 'ghz', 'kpti', 'pcid', 'device'];

const state = {
  model: null,
  scenario: null,
  journey: null, // the last run shown in the trace
  journeyQuery: '', // its scenario as the address bar has it
  journeyEngineQuery: '', // and as the engine was asked (with the measured machine's profile)
  overlay: null, // what was measured on the stages of state.journey
  journeyLabel: '',
  pos: null, // where the animation is
  pinned: null,
  pinnedLabel: '',
  human: false,
  tool: 'strace',
  mode: 'linear', // the timeline's axis: linear (true proportions) or broken
  baselines: {},
  baselineKey: '',
  baselineError: '',
  measuring: false,
  // A fitted sysjourney.measure/1 (measured here or from a file) and whether journeys are priced on it:
  // { doc, source: 'measured' | 'file', fileName, on }
  machine: null,
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

/** True while every journey is priced on the measured machine. */
function machineOn() {
  return Boolean(state.machine?.on && state.machine.doc?.profile);
}

function profileParam() {
  return `profile=${encodeURIComponent(JSON.stringify(state.machine.doc.profile))}`;
}

/**
 * What the engine is asked for a scenario: its query, or, priced on the measured machine, the
 * query without the machine's options (the profile decides them) plus the profile.
 */
function engineQuery(scenario = state.scenario) {
  if (!machineOn()) return query(scenario);
  const def = defaultScenario(state.model);
  const call = { ...scenario, cpu: def.cpu, ghz: null, kpti: null, pcid: null, device: def.device };
  return [query(call), profileParam()].filter(Boolean).join('&');
}

/** The scenario as the form shows it: the measured machine's CPU, clock... while priced on it. */
function shownScenario() {
  if (!machineOn()) return state.scenario;
  const p = state.machine.doc.profile;
  const s = { ...state.scenario };
  if (state.model.options?.cpu?.includes(p.cpu)) s.cpu = p.cpu;
  s.ghz = Number.isFinite(p.ghz) ? p.ghz : null;
  s.kpti = typeof p.kpti === 'boolean' ? p.kpti : null;
  s.pcid = typeof p.pcid === 'boolean' ? p.pcid : null;
  if (state.model.options?.device?.includes(p.device)) s.device = p.device;
  return s;
}

function updateControls() {
  const locked = machineOn() ? Object.fromEntries(MEASURED_MACHINE.map((f) => [f, 'set by the measured machine'])) : {};
  views.controls.update(shownScenario(), { locked });
}

function scenarioLabel(scenario = state.scenario) {
  return machineOn() ? `${summary(shownScenario(), state.model)} · on the measured machine` : summary(scenario, state.model);
}

function pageUrl(q) {
  const u = new URL(window.location.href);
  u.search = q ? `?${q}` : '';
  u.hash = '';
  return u.href;
}

/**
 * Shows a failure in the simulator's alert box. Three kinds: the page's own check of a number
 * (`err.page`), a call the kernel itself refuses (the engine's 400 with `errno`: the call is made
 * and returns -1), and the engine refusing a scenario or failing.
 */
function showError(err, prefix = '') {
  const el = byId('error');
  const refused = err?.status === 400;
  const { message, allowed } = err?.field ? forForm(err) : { message: String(err?.message ?? err), allowed: err?.allowed };
  const call = state.scenario?.op === 'read' ? 'read()' : 'The call';
  const head = err?.errno ? `${call} returns -1, errno ${err.errno}: `
    : err?.page ? 'Not run: '
      : refused ? 'The engine refused this scenario. ' : prefix || 'Something went wrong. ';
  replace(el,
    h('strong', {}, head),
    message.replace(/([^.!?])$/, '$1.'),
    err?.field ? h('span', { class: 'error-detail' }, ` Option: ${err.field}${err.value !== undefined && err.value !== '' ? ` = ${err.value}` : ''}.`) : '',
    allowed && !err?.page ? h('span', { class: 'error-detail' }, ` ${err?.errno ? 'It works with' : 'Allowed'}: ${allowed}.`) : '');
  el.dataset.kind = err?.errno ? 'errno' : err?.page ? 'page' : refused ? 'refused' : 'failed';
  if (err?.errno) el.dataset.errno = err.errno;
  else delete el.dataset.errno;
  el.hidden = false;
  if (err?.field) views?.controls.markInvalid(err.field);
}

/** The page's own check of the options (numbers out of range): the first problem, or null. */
function pageProblem(scenario = state.scenario) {
  const p = problemsOf(scenario, state.model)[0];
  return p ? { ...p, page: true } : null;
}

function clearError() {
  const el = byId('error');
  el.hidden = true;
  el.replaceChildren();
  delete el.dataset.kind;
  delete el.dataset.errno;
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
    clock_gettime: 'Run clock_gettime() syscall',
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
  const { trace, timeline, counters } = views;
  if (j) {
    trace.render(j, { human: state.human, tool: state.tool, measured: state.overlay?.journey === j ? state.overlay : null });
    trace.progress(state.pos);
    timeline.render(j, { human: state.human, mode: state.mode });
    timeline.progress(state.pos);
    // The counters follow the lanes: after an edit they show the new route, not yet run.
    if (!isStale()) counters.show(countersAt(j, state.pos ?? { done: true, begun: j.stages.length }, state.model), state.human);
    else counters.show({}, state.human);
  } else {
    trace.clear('Press Run to fill the trace, one row per stage.');
    timeline.clear('The timeline appears after the first run.');
    counters.show({}, state.human);
  }
  renderStale();
}

/** True when the run on screen no longer matches the options in the form. */
function isStale() {
  return Boolean(state.journey) && state.journeyEngineQuery !== engineQuery();
}

function showBaselines() {
  views.baselines.show({ journey: state.journey, baselines: state.baselines, human: state.human, error: state.baselineError, stale: isStale(), model: state.model });
}

/**
 * Everything that shows the last run says whether it still matches the options: the trace, the
 * timeline, "For scale", compare's B and the downloads are marked as the previous run (the
 * counters are cleared, the lanes show the new route). Run again and the marks go.
 */
function renderStale() {
  const stale = isStale();
  views.compare.show({ a: state.pinned, b: state.journey, aLabel: state.pinnedLabel, bLabel: state.journeyLabel, human: state.human, stale, model: state.model });
  showBaselines();
  for (const id of ['trace', 'timeline-section']) byId(id).classList.toggle('is-stale', stale);
  const badge = () => h('span', { class: 'badge badge-stale', title: 'The options changed since this run: press Run for the new one' }, 'previous run');
  replace(byId('timeline-stale'), stale ? badge() : '');
  app.dataset.stale = String(stale);
  const meta = byId('trace-meta');
  if (!state.journey) meta.textContent = '';
  else replace(meta, `· ${state.journeyLabel}`, stale ? badge() : '');
}

function updateExport() {
  views.exporter.update(pageUrl(state.journey ? state.journeyQuery : query()), state.journeyQuery, state.journey);
}

/** The engine's journey, as the engine wrote it. */
async function runEngine(q) {
  return engine.run(q);
}

/** Shows the route the current options would take, before running it. */
async function preview() {
  const my = ++previewSeq;
  const problem = pageProblem();
  if (problem) {
    showError(problem);
    return;
  }
  try {
    const j = await runEngine(engineQuery());
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
  const eq = engineQuery();
  const problem = pageProblem();
  if (problem) {
    showError(problem);
    setState('error');
    return;
  }
  setState('loading');
  let j;
  let overlay = null;
  try {
    j = await runEngine(eq);
    overlay = await measuredOverlay(j).catch(() => null); // a nicety: the run stands without it
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
  state.journeyEngineQuery = eq;
  state.overlay = overlay;
  state.journeyLabel = scenarioLabel();
  app.dataset.shown = q; // the query of the run on screen (tests and scripts wait on it)
  state.pos = motion ? { index: 0, frac: 0, ns: 0, cycles: 0, begun: 0, done: false } : null;
  views.guess.hide();
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
  views.counters.show(countersAt(j, pos, state.model), state.human);
  views.trace.progress(state.pos);
  views.timeline.progress(state.pos);
}

// The player in the lanes plays again, or pauses (a step, a scrub, the pause button).
function onPlay(j) {
  if (j !== state.journey) return;
  byId('skip').disabled = false;
  setState('running');
}

function onPause(j) {
  if (j !== state.journey) return;
  byId('skip').disabled = true;
  setState('paused');
}

function onDone(j) {
  if (j !== state.journey) return;
  byId('announce').textContent = `Finished after ${plural(j.stages.length, 'stage')} and ${formatNs(j.totals.ns)}: ${j.result ?? ''}`;
  state.pos = null;
  views.trace.progress(null);
  views.timeline.progress(null);
  byId('skip').disabled = true;
  setState('done');
}

async function refreshBaselines() {
  const machine = machineOf(state.scenario);
  const key = JSON.stringify([machine, machineOn() ? state.machine.doc.profile : null]);
  if (key === state.baselineKey) return;
  // A clock the page refuses is reported once, by the simulator; the baselines wait for a good one.
  if (pageProblem({ ...defaultScenario(state.model), ...machine })) return;
  state.baselineKey = key;
  const base = defaultScenario(state.model);
  try {
    const list = await Promise.all(BASELINE_OPS.map((op) => runEngine(engineQuery(normalize({ ...base, ...machine, op }, state.model)))));
    if (key !== state.baselineKey) return;
    state.baselines = Object.fromEntries(BASELINE_OPS.map((op, i) => [op, list[i]]));
    state.baselineError = '';
  } catch (e) {
    if (key !== state.baselineKey) return;
    state.baselines = {};
    state.baselineError = `Baselines unavailable: ${e.message}`;
  }
  showBaselines();
}

function onScenarioChange(next) {
  // The machine's controls are locked while it decides them; the form shows its values, not ours.
  const mine = machineOn() ? Object.fromEntries(MEASURED_MACHINE.map((f) => [f, state.scenario[f]])) : {};
  state.scenario = normalize({ ...next, ...mine }, state.model);
  updateControls();
  const q = query();
  // The address bar keeps the last options that can run: a link never carries a refused number.
  if (!pageProblem()) window.history.replaceState(null, '', pageUrl(q));
  else clearError();
  runLabel();
  views.counters.show({}, state.human);
  views.guess.hide();
  if (!state.journey) updateExport();
  else views.exporter.update(pageUrl(q), state.journeyQuery, state.journey, { stale: isStale() });
  renderStale();
  if (['running', 'paused'].includes(app.dataset.state) || state.pos) {
    views.lanes.stop();
    byId('skip').disabled = true;
    setState('done');
    state.pos = null;
    views.trace.progress(null);
    views.timeline.progress(null);
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
  // A demonstration that sets the machine itself (KPTI, the device) needs the presets.
  const setsMachine = [demo.pin, demo.run].some((d) => d && MEASURED_MACHINE.some((f) => f in d));
  if (setsMachine && machineOn()) {
    await setMachineOn(false, { rerun: false });
    notice('This demonstration sets the machine itself, so journeys are priced on the presets again; the measured machine can be switched back on in "Measure this machine".');
  }
  if (demo.pin) {
    const a = normalize({ ...base, ...demo.pin }, state.model);
    try {
      state.pinned = await runEngine(engineQuery(a));
      state.pinnedLabel = scenarioLabel(a);
    } catch (e) {
      showError(e);
      return;
    }
  }
  state.scenario = normalize({ ...base, ...demo.run }, state.model);
  updateControls();
  window.history.replaceState(null, '', pageUrl(query()));
  runLabel();
  refreshBaselines();
  views.calc.update();
  // The answer is drawn where the reader is (under the button); the simulator above holds the
  // same runs, without playing to nobody. "Watch B in the simulator" goes there and plays.
  await runCurrent({ animate: false });
  return state.journeyQuery === query() && state.pinned ? { a: state.pinned, b: state.journey } : null;
}

function watchInSimulator() {
  byId('sim').scrollIntoView({ behavior: prefersReducedMotion() ? 'auto' : 'smooth', block: 'start' });
  byId('run').focus({ preventScroll: true }); // keyboard users land where the action is
  runCurrent({ animate: true });
}

/**
 * Run, or with "Guess first" on: ask the question that suits the scenario, run, then say how far
 * off the guess was (the ratio to a function call, or the device's share).
 */
async function runOrGuess() {
  const kind = views.guess.enabled() && !pageProblem() ? questionFor(state.scenario) : null;
  if (!kind) return runCurrent({ animate: true });
  const q = engineQuery();
  // While the reader guesses, everything that would give the answer away is veiled.
  app.dataset.guessing = 'true';
  const guess = await views.guess.ask(kind).finally(() => delete app.dataset.guessing);
  if (guess === undefined || q !== engineQuery()) return undefined; // withdrawn, or the options changed
  await runCurrent({ animate: true });
  if (guess === null || state.journeyEngineQuery !== q) return undefined;
  let functionCall = null;
  if (kind === 'ratio') {
    const fq = engineQuery(normalize({ ...defaultScenario(state.model), ...machineOf(state.scenario), op: 'function_call' }, state.model));
    functionCall = await runEngine(fq).catch(() => null);
  }
  views.guess.reveal(kind, guess, actualFor(kind, state.journey, { functionCall, model: state.model }));
  return undefined;
}

async function calculatorCosts(batch) {
  const base = defaultScenario(state.model);
  const machine = machineOf(state.scenario);
  const problem = pageProblem({ ...base, ...machine });
  if (problem) throw new Error(`${problem.message}. Fix the clock above to see the calculator.`);
  // Data already waiting in memory: a page-cache hit (the engine models io_uring for files).
  const ready = { ...base, ...machine, fd: 'file', cache: 'hit' };
  const [read, uring, wait] = await Promise.all([
    runEngine(engineQuery(normalize({ ...ready, api: 'read' }, state.model))),
    runEngine(engineQuery(normalize({ ...ready, api: 'io_uring', batch }, state.model))),
    runEngine(engineQuery(normalize({ ...base, ...machine, op: 'getppid' }, state.model))),
  ]);
  const sc = read.scenario ?? {};
  const cpu = state.model.cpus?.find((c) => c.id === sc.cpu)?.title ?? sc.cpu ?? 'this CPU';
  return {
    readNs: read.totals.ns,
    uringReadNs: uring.totals.ns,
    epollWaitNs: wait.totals.ns,
    machine: machineOn()
      ? `the measured machine (${hostLine(state.machine.doc.host)}; ${sc.cpu} fitted)`
      : `${cpu}, ${sc.ghz} GHz, KPTI ${sc.kpti ? 'on' : 'off'}${sc.kpti ? `, PCID ${sc.pcid ? 'on' : 'off'}` : ''}`,
  };
}

// --- the measured machine -------------------------------------------------------------

/** The engine's query for one of a probe's journeys, on the machine the journey `j` was priced on. */
function termQuery(q, j) {
  if (machineOn()) return `${q}&${profileParam()}`;
  const sc = j.scenario ?? {};
  const flag = (v) => (v ? 'on' : 'off');
  return `${q}&cpu=${encodeURIComponent(sc.cpu)}&ghz=${sc.ghz}&kpti=${flag(sc.kpti)}&pcid=${flag(sc.pcid)}&device=${encodeURIComponent(sc.device)}`;
}

/**
 * What the measured machine's probes say about the journey `j`: for each probe that times this
 * journey, the stages it covers, its measurement and the model of the same (this journey's
 * stages plus the probe's other journeys, on the same machine), for the trace. null: none.
 */
async function measuredOverlay(j) {
  const doc = state.machine?.doc;
  if (!doc || !j) return null;
  const found = probesOnTrace(j, doc);
  if (!found.length) return null;
  const band = bandOf(doc);
  const items = await Promise.all(found.map(async (it) => {
    const extras = await Promise.all(it.others.map(async (o) => ({
      what: o.what, times: o.times, ns: journeyNsFrom(await runEngine(termQuery(o.q, j)), o.from),
    })));
    const p = it.probe;
    return {
      id: it.id, title: probeLabel(it.id).title, from: it.from, to: it.to, times: it.times, extras,
      measuredNs: p.median_ns, modelNs: it.times * it.coveredNs + extras.reduce((a, x) => a + x.times * x.ns, 0),
      unfittedNs: p.model_ns, predictedNs: p.predicted_ns, verdict: classify(p, band), spread: formatSpread(p), rounds: p.rounds,
    };
  }));
  const sc = j.scenario ?? {};
  return {
    journey: j,
    items,
    machine: hostLine(doc.host ?? {}),
    source: state.machine.source === 'file' ? `from ${state.machine.fileName || 'a measure file'}` : 'measured by the server',
    priced: machineOn() && j.profiled !== false,
    pricedOn: `${sc.cpu} at ${sc.ghz} GHz`,
  };
}

function renderBanner() {
  const el = byId('machine-banner');
  if (!machineOn()) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  const m = state.machine;
  const off = h('button', { type: 'button', class: 'btn btn-small', id: 'machine-off' }, 'Price on the presets again');
  off.addEventListener('click', () => setMachineOn(false));
  replace(el,
    h('span', { class: 'banner-text' }, h('strong', {}, 'Priced on the measured machine: '), hostLine(m.doc.host ?? {}),
      ` · ${m.doc.preset ?? m.doc.profile.cpu}, fitted`,
      h('span', { class: 'muted' }, m.source === 'file' ? ` · from ${m.fileName || 'a measure file'}` : ' · measured by the server')),
    off);
  el.hidden = false;
}

/** Prices the page on a freshly fitted document (and shows what its probes measured). */
async function setMachine(doc, { source, fileName = '' }) {
  state.machine = { doc, source, fileName, on: Boolean(doc.profile) };
  measureView.machine(state.machine.on);
  await applyMachine();
}

/** Turns pricing on the measured machine on or off. */
async function setMachineOn(on, { rerun = true } = {}) {
  if (!state.machine) return;
  state.machine.on = Boolean(on && state.machine.doc.profile);
  measureView.machine(state.machine.on);
  await applyMachine({ rerun });
}

async function applyMachine({ rerun = true } = {}) {
  renderBanner();
  if (!views) return; // the simulator never started; the measure section works on its own
  updateControls();
  runLabel();
  refreshBaselines();
  views.calc.update();
  if (!rerun) return;
  if (state.journey) await runCurrent({ animate: false });
  else await preview();
}

/**
 * Times the server's machine; the view shows the busy state, then the result or the refusal.
 * Needs no model (its titles are a nicety), so it works even when the simulator could not start.
 */
async function measureMachine() {
  if (state.measuring) return;
  state.measuring = true;
  measureView.busy('measure');
  const t0 = performance.now();
  try {
    const doc = await engine.measure();
    measureView.show(doc, { model: state.model, seconds: (performance.now() - t0) / 1000, source: 'measured', machineOn: Boolean(doc.profile) });
    await setMachine(doc, { source: 'measured' });
  } catch (e) {
    measureView.fail(e);
  } finally {
    state.measuring = false;
  }
}

/** A measure file from any machine, chosen or dropped: fitted by the engine, then priced on. */
async function fitFile(file, { dropped = false } = {}) {
  if (state.measuring) return;
  state.measuring = true;
  measureView.busy('fit', file.name);
  if (dropped) byId('measure').scrollIntoView({ behavior: prefersReducedMotion() ? 'auto' : 'smooth', block: 'start' });
  const t0 = performance.now();
  try {
    const doc = await engine.fit(await readMeasureFile(file));
    measureView.show(doc, {
      model: state.model, seconds: (performance.now() - t0) / 1000, source: 'file', fileName: file.name, machineOn: Boolean(doc.profile),
    });
    await setMachine(doc, { source: 'file', fileName: file.name });
  } catch (e) {
    measureView.failFile(e, file.name);
  } finally {
    state.measuring = false;
  }
}

const measureView = createMeasure({
  section: byId('measure'), button: byId('measure-run'), loadButton: byId('measure-open'), fileInput: byId('measure-file'),
  status: byId('measure-status'), error: byId('measure-error'), out: byId('measure-out'),
}, {
  onMeasure: measureMachine,
  onFile: (file) => fitFile(file),
  onMachine: (on) => setMachineOn(on),
  onDownload: () => {
    const doc = state.machine?.doc;
    if (doc) download(`sysjourney-measure-${doc.preset ?? 'machine'}.json`, 'application/json', `${JSON.stringify(doc, null, 2)}\n`);
  },
});
wireDrop((file) => fitFile(file, { dropped: true }));

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
  // The canonical form of the link (API order, defaults left out); a link already in that form is
  // left alone, which spares the browser a history update while the page starts.
  const canonical = pageUrl(query());
  if (canonical !== window.location.href) window.history.replaceState(null, '', canonical);
  if (problems.length) notice(`Part of the link was not understood and was left at the default: ${problems.map((p) => p.message).join('; ')}.`);

  const select = (i) => {
    if (state.journey) views.trace.open(i);
  };
  // The lanes may show the route of edited options that has not been run yet.
  const selectFromLanes = (i) => {
    if (state.journey && state.journeyEngineQuery === engineQuery()) views.trace.open(i);
  };
  // The two figures first: they learn their widths while the page has nothing new to lay out,
  // so that no view makes the browser lay the page out before the first run is drawn.
  const timeline = createTimeline(byId('timeline'), { onSelect: select });
  const lanes = createLanes(byId('lanes'), { onSelect: selectFromLanes, onProgress, onDone, onPlay, onPause });
  views = {
    controls: createControls(byId('controls'), model, scenario, onScenarioChange),
    lanes,
    counters: createCounters(byId('counters')),
    baselines: createBaselines(byId('baselines')),
    trace: createTrace({ table: byId('trace-table'), toolSelect: byId('tool'), seenLine: byId('seen-line'), measuredBox: byId('trace-measured') }, model, {
      onToolChange: (t) => {
        state.tool = t;
      },
      onPriceOnMachine: () => setMachineOn(true),
    }),
    timeline,
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
    }, {
      // The run shown, as the engine was asked for it (on the measured machine, with its profile).
      fetch: (format) => engine.runAs(state.journeyEngineQuery, format),
    }),
    calc: createUringCalculator(byId('calc'), calculatorCosts, model.ranges),
    guess: createGuess({ toggle: byId('guess-mode'), panel: byId('guess') }),
  };

  // A machine measured or loaded while the page was starting: its controls and banner now.
  if (state.machine) {
    updateControls();
    renderBanner();
  }

  // Run brings the figure into view (on a phone it sits far below the Run button).
  byId('run').addEventListener('click', () => {
    views.lanes.reveal();
    runOrGuess();
  });
  byId('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    views.lanes.reveal();
    runOrGuess();
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
  wireShowMe(byId('essays'), showMe, { onWatch: watchInSimulator });

  runLabel();
  renderResults();
  updateExport();
  setState('idle');
  // A link with options opens straight on its result; a bare visit waits for the Run button.
  // "For scale" and the io_uring calculator are asked for once the figure is on screen, so that
  // their six journeys do not compete with the first one on a small machine (and the WebAssembly
  // engine, which answers at once, does not hold up the frame that shows it).
  if (hadQuery) await runCurrent({ animate: false });
  else await preview();
  await afterFrame();
  refreshBaselines();
  views.calc.update();
}

/** Resolves once the next frame has been drawn (or after 100 ms where no frames come: a hidden tab). */
function afterFrame() {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => setTimeout(() => {
      clearTimeout(timer);
      resolve();
    }, 0));
  });
}

init();
