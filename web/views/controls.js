// The scenario form: one labelled control per option, built from the model's vocabulary.
// Options that have no meaning for the current choice are hidden; those that have no effect
// right now are disabled, with a short reason beside them.
import { optionLabel, shortName } from '../lib/labels.js';
import { allowedValues, defaultCache, effective, isWrite, presetOf, rangeOf, relevance, vocabulary } from '../lib/scenario.js';
import { h, replace } from './dom.js';

// What each option is called on the page. Which options there are and how each is edited come
// from the engine's vocabulary (lib/scenario.js); an option without words here is shown by name.
const WORDS = {
  op: { label: 'Call' },
  fd: { label: 'Descriptor' },
  cache: { label: 'Page cache' },
  device: { label: 'Device' },
  bytes: { label: 'Bytes', unit: 'B' },
  direct: { label: 'O_DIRECT', note: 'bypass the page cache' },
  sync: { label: 'Sync on write' },
  wait: { label: 'No data yet', note: 'the reader has to wait', writeLabel: 'Reader waiting', writeNote: 'a reader is asleep on it' },
  full: { label: 'Buffer full', note: 'the writer has to wait for room' },
  nonblock: { label: 'O_NONBLOCK', note: 'return EAGAIN instead' },
  api: { label: 'API' },
  batch: { label: 'Reads per enter' },
  tracer: { label: 'Tracer attached' },
  warm: { label: 'Warm caches', note: 'the call repeats back to back' },
  cpu: { label: 'CPU preset' },
  ghz: { label: 'Clock', unit: 'GHz' },
  kpti: { label: 'KPTI' },
  pcid: { label: 'PCID' },
};

// An option in no group goes in the first.
const GROUPS = [
  { title: 'The call', fields: ['op', 'fd', 'cache', 'device', 'bytes', 'direct', 'sync', 'wait', 'full', 'nonblock'] },
  { title: 'How it is issued', fields: ['api', 'batch', 'tracer', 'warm'] },
  { title: 'The machine', fields: ['cpu', 'ghz', 'kpti', 'pcid'] },
];

// How an option of the vocabulary is edited: a select, a checkbox, preset/on/off, or a number.
function controlKind(o) {
  if (o.kind === 'flag') return o.preset ? 'override' : 'check';
  if (o.kind === 'number') return o.integer ? 'int' : 'float';
  return 'select';
}

function specsOf(model) {
  const specs = {};
  for (const o of vocabulary(model)) specs[o.name] = { label: o.name, note: '', ...WORDS[o.name], kind: controlKind(o), option: o };
  return specs;
}

function groupsOf(specs) {
  const grouped = new Set(GROUPS.flatMap((g) => g.fields));
  const rest = Object.keys(specs).filter((f) => !grouped.has(f));
  return GROUPS.map((g, i) => ({ ...g, fields: [...g.fields, ...(i === 0 ? rest : [])].filter((f) => specs[f]) }));
}

// A CPU preset's title is a sentence; the select shows its short name (the whole title is written
// under it). Two presets whose short names collide keep their whole titles.
function cpuNames(model) {
  const names = new Map((model.cpus ?? []).map((c) => [c.id, shortName(c.title ?? c.id)]));
  const count = {};
  for (const n of names.values()) count[n] = (count[n] ?? 0) + 1;
  for (const c of model.cpus ?? []) if (count[names.get(c.id)] > 1) names.set(c.id, c.title ?? c.id);
  return names;
}

// With a write, api=read and api=pread stand for write() and pwrite().
const WRITE_API = { read: 'write()', pread: 'pwrite()', io_uring: 'io_uring (punted to io-wq)' };

function valueLabel(model, field, v, names, op) {
  if (field === 'api' && isWrite(op) && WRITE_API[v]) return WRITE_API[v];
  if (field === 'device') return model.devices?.find((d) => d.id === v)?.title ?? v;
  if (field === 'cpu') return names?.get(v) ?? model.cpus?.find((c) => c.id === v)?.title ?? v;
  return optionLabel(field, v);
}

/**
 * Builds the form inside `form`. `onChange(scenario)` is called with a new scenario object
 * whenever a control changes. Returns { update(scenario), markInvalid(field) }.
 */
export function createControls(form, model, initial, onChange) {
  let scenario = { ...initial };
  const inputs = {};
  const wrappers = {};
  const hints = {};
  // A note that stays under a field until it changes again (the device kept on a new CPU preset).
  const notes = {};
  const names = cpuNames(model);
  const FIELDS = specsOf(model);
  const cpuDesc = h('small', { class: 'desc', id: 'opt-cpu-desc' });

  const fire = () => onChange({ ...scenario });
  const deviceTitle = (id) => valueLabel(model, 'device', id);

  // A new CPU preset must not swap the device behind the reader's back: when the device was left
  // to the preset and the new preset reads from another one, the device in effect is kept, and
  // the note under it says what the preset would have chosen.
  function setCpu(cpu) {
    const before = presetOf(scenario, model)?.device;
    scenario.cpu = cpu;
    const after = presetOf(scenario, model)?.device;
    delete notes.device;
    if ((scenario.device ?? '') === '' && before && after && before !== after) {
      scenario.device = before;
      notes.device = `Kept ${deviceTitle(before)}: the ${names.get(cpu) ?? cpu} preset reads from ${deviceTitle(after)} (pick "preset" for it).`;
    }
  }

  // Enter in a number field runs, as in any form: the value typed counts first.
  function commitAndRun(e, read) {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    read();
    form.requestSubmit();
  }

  function makeControl(field) {
    const spec = FIELDS[field];
    const id = `opt-${field}`;
    const hint = h('small', { class: 'hint', id: `${id}-hint` });
    hints[field] = hint;
    let input;
    if (spec.kind === 'select') {
      input = h('select', { id, name: field, 'aria-describedby': field === 'cpu' ? `${cpuDesc.id} ${hint.id}` : hint.id });
      input.addEventListener('change', () => {
        if (field === 'cpu') setCpu(input.value);
        else {
          // From a read to a write (or back) the cache takes the call's own default: a write's
          // block is cached, a read misses.
          if (field === 'op' && isWrite(input.value) !== isWrite(scenario.op)) scenario.cache = defaultCache(input.value, model);
          scenario[field] = input.value;
          delete notes[field];
        }
        fire();
      });
    } else if (spec.kind === 'override') {
      input = h('select', { id, name: field, 'aria-describedby': hint.id },
        h('option', { value: '' }, 'preset'), h('option', { value: 'on' }, 'on'), h('option', { value: 'off' }, 'off'));
      input.addEventListener('change', () => {
        scenario[field] = input.value === '' ? null : input.value === 'on';
        fire();
      });
    } else if (spec.kind === 'check') {
      input = h('input', { id, name: field, type: 'checkbox', 'aria-describedby': hint.id });
      input.addEventListener('change', () => {
        scenario[field] = input.checked;
        fire();
      });
    } else {
      const [min, max] = rangeOf(field, model);
      input = h('input', {
        id, name: field, type: 'number', inputmode: spec.kind === 'float' ? 'decimal' : 'numeric',
        min, max, step: spec.kind === 'float' ? 0.1 : 1, 'aria-describedby': hint.id, autocomplete: 'off',
      });
      const valueOf = () => {
        const t = input.value.trim();
        // A number field gives '' for text that is not a number: kept as NaN, so the page can say
        // so instead of quietly running the default.
        if (t === '') return input.validity?.badInput ? NaN : spec.option.preset ? null : Number(model.defaults?.[field] ?? 1);
        return Number(t);
      };
      const read = () => {
        const v = valueOf();
        if (Object.is(v, scenario[field])) return false;
        scenario[field] = v;
        fire();
        return true;
      };
      input.addEventListener('change', read);
      input.addEventListener('keydown', (e) => commitAndRun(e, read));
    }
    inputs[field] = input;
    const label = h('label', { for: id }, spec.label, spec.unit ? h('span', { class: 'unit' }, ` (${spec.unit})`) : null);
    const wrapper = spec.kind === 'check'
      ? h('div', { class: 'field field-check', dataset: { field } }, input, h('label', { for: id }, h('span', { class: 'check-title' }, spec.label), h('span', { class: 'check-note' }, spec.note)), hint)
      : h('div', { class: 'field', dataset: { field } }, label, input, field === 'cpu' ? cpuDesc : null, hint);
    wrappers[field] = wrapper;
    return wrapper;
  }

  replace(form,
    groupsOf(FIELDS).map((g) => h('fieldset', { class: 'group' }, h('legend', {}, g.title), g.fields.map(makeControl))));

  function fillSelect(field) {
    const input = inputs[field];
    const values = allowedValues(field, scenario, model);
    // The device can be left to the CPU preset (a VM preset reads from virtio, say).
    const preset = field === 'device' ? presetOf(scenario, model)?.device : undefined;
    // A choice the model gives no default for is left to the engine until picked.
    const all = preset !== undefined || FIELDS[field].option.preset ? ['', ...values] : values;
    const blank = preset !== undefined ? `preset: ${valueLabel(model, field, preset, names)}` : 'default';
    const labels = all.map((v) => (v === '' ? blank : valueLabel(model, field, v, names, scenario.op)));
    const current = [...input.options].map((o) => `${o.value}=${o.textContent}`).join('|');
    if (current !== all.map((v, i) => `${v}=${labels[i]}`).join('|')) {
      replace(input, all.map((v, i) => h('option', { value: v, title: field === 'cpu' ? model.cpus?.find((c) => c.id === v)?.title : undefined }, labels[i])));
    }
    input.value = scenario[field] ?? '';
    if (field === 'cpu') cpuDesc.textContent = presetOf(scenario, model)?.title ?? '';
  }

  /**
   * Shows `next`. `locked` ({ field: reason }) disables fields that something else decides for
   * now (the measured machine decides the CPU, clock, KPTI, PCID and device), with the reason.
   */
  function update(next, { locked = {} } = {}) {
    scenario = { ...next };
    const rel = relevance(scenario, model);
    const preset = presetOf(scenario, model);
    for (const field of Object.keys(inputs)) {
      const spec = FIELDS[field];
      const input = inputs[field];
      if (spec.kind === 'select') fillSelect(field);
      else if (spec.kind === 'check') {
        input.checked = Boolean(scenario[field]);
        const note = wrappers[field].querySelector('.check-note');
        if (note) note.textContent = isWrite(scenario.op) && spec.writeNote ? spec.writeNote : spec.note;
        const title = wrappers[field].querySelector('.check-title');
        if (title) title.textContent = isWrite(scenario.op) && spec.writeLabel ? spec.writeLabel : spec.label;
      } else if (spec.kind === 'override') {
        input.value = scenario[field] === null || scenario[field] === undefined ? '' : scenario[field] ? 'on' : 'off';
        const pv = preset?.[field];
        input.options[0].textContent = pv === undefined ? 'preset' : `preset (${pv ? 'on' : 'off'})`;
      } else {
        input.value = scenario[field] === null || scenario[field] === undefined ? '' : String(scenario[field]);
        if (field === 'ghz') input.placeholder = preset?.ghz ? `${preset.ghz} (preset)` : '';
      }
      const base = rel[field] ?? { applies: true, enabled: true, reason: '' };
      const r = locked[field] && base.applies ? { applies: true, enabled: false, reason: locked[field] } : base;
      wrappers[field].hidden = !r.applies;
      wrappers[field].classList.toggle('is-locked', Boolean(locked[field]));
      input.disabled = !r.enabled;
      wrappers[field].classList.toggle('is-off', !r.enabled);
      hints[field].textContent = r.enabled ? notes[field] ?? '' : r.reason;
      if (input.getAttribute('aria-invalid')) input.removeAttribute('aria-invalid');
    }
    for (const fs of form.querySelectorAll('fieldset.group')) {
      fs.hidden = [...fs.querySelectorAll('.field')].every((f) => f.hidden);
    }
    // The clock shown when the preset decides: helps the reader know what "preset" means.
    if (hints.ghz && scenario.ghz === null && !locked.ghz) hints.ghz.textContent = `preset: ${effective(scenario, model, 'ghz')} GHz`;
  }

  function markInvalid(field) {
    const input = inputs[field];
    if (!input) return;
    input.setAttribute('aria-invalid', 'true');
  }

  update(scenario);
  return { update, markInvalid };
}
