// "Guess first": with the switch on, Run first asks the reader to guess (how many times a
// function call this call is, or the device's share), then runs and says how far off the guess
// was. Everything works with the keyboard: the guess field takes the focus, Enter reveals,
// Escape runs without a guess.
import { QUESTIONS, judge, parseGuess } from '../lib/guess.js';
import { h, replace } from './dom.js';

/**
 * createGuess({ toggle, panel }) -> { enabled(), ask(kind), reveal(kind, guess, actual), hide() }
 * ask(kind) resolves to the guess (a number), null to run without one (Escape, "Skip"), or
 * undefined when the question was withdrawn (the switch turned off).
 */
export function createGuess({ toggle, panel }) {
  let pending = null; // { kind, resolve }

  const title = h('p', { class: 'guess-title', id: 'guess-title', tabindex: '-1' });
  const input = h('input', {
    id: 'guess-input', type: 'text', inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'guess-error guess-hint',
  });
  const unit = h('span', { class: 'guess-unit', 'aria-hidden': 'true' });
  const label = h('label', { for: 'guess-input', class: 'sr-only' });
  const hint = h('small', { class: 'hint', id: 'guess-hint' });
  const error = h('p', { class: 'guess-error error-text', id: 'guess-error', role: 'alert' });
  const revealBtn = h('button', { type: 'button', class: 'btn btn-run btn-small', id: 'guess-reveal' }, 'Reveal');
  const skipBtn = h('button', { type: 'button', class: 'btn btn-small', id: 'guess-skip' }, 'Skip');
  const ask = h('div', { class: 'guess-ask' },
    title, h('div', { class: 'guess-row' }, label, input, unit, revealBtn, skipBtn), hint, error);
  const result = h('p', { class: 'guess-result', id: 'guess-result', 'aria-live': 'polite', tabindex: '-1' });

  function settle(value) {
    const p = pending;
    pending = null;
    p?.resolve(value);
  }

  function submit() {
    if (!pending) return;
    const g = parseGuess(input.value, pending.kind);
    if (g.error) {
      error.textContent = g.error;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    settle(g.value);
  }

  revealBtn.addEventListener('click', submit);
  skipBtn.addEventListener('click', () => {
    hide();
    settle(null);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      hide();
      settle(null);
    }
  });
  input.addEventListener('input', () => {
    error.textContent = '';
    input.removeAttribute('aria-invalid');
  });
  toggle.addEventListener('change', () => {
    if (toggle.checked) return;
    hide();
    settle(undefined);
  });

  function hide() {
    panel.hidden = true;
    panel.replaceChildren();
  }

  return {
    enabled: () => toggle.checked,
    ask(kind) {
      const q = QUESTIONS[kind];
      if (pending) {
        input.focus();
        return pending.promise;
      }
      title.textContent = `Guess first. ${q.prompt}`;
      label.textContent = `Your guess, in ${q.label}`;
      unit.textContent = q.unit;
      hint.textContent = `Type ${q.hint}, then press Enter or Reveal (the answer is hidden until then). Escape runs without a guess.`;
      error.textContent = '';
      input.removeAttribute('aria-invalid');
      input.value = '';
      panel.dataset.kind = kind;
      delete panel.dataset.verdict;
      replace(panel, ask);
      panel.hidden = false;
      input.focus({ preventScroll: false });
      let resolve;
      const promise = new Promise((r) => {
        resolve = r;
      });
      pending = { kind, resolve, promise };
      return promise;
    },
    /** Shows how far off the guess was, in place of the question, and takes the focus there. */
    reveal(kind, guess, actual) {
      const j = judge(kind, guess, actual);
      panel.dataset.kind = kind;
      panel.dataset.verdict = j.verdict;
      replace(result, h('strong', {}, j.verdict === 'close' ? 'Close. ' : j.verdict === 'unknown' ? '' : 'Not quite. '), j.text);
      result.dataset.actual = String(actual);
      result.dataset.guess = String(guess);
      replace(panel, result);
      panel.hidden = false;
      result.focus({ preventScroll: true });
      return j;
    },
    hide,
  };
}
