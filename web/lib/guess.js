// "Guess first": before a run is revealed the reader guesses its size, then sees how far off the
// guess was. Pure: no DOM. The answer comes from the engine's journey.
import { formatRatio, formatShare } from './format.js';
import { readCosts, waitNsOf } from './uring.js';

/** The two questions: how many function calls this call is worth, or the device's share. */
export const QUESTIONS = {
  ratio: {
    prompt: 'How many times slower than a plain function call is this call?',
    label: 'times a function call',
    unit: '×',
    hint: 'a number such as 5, 300 or 20000',
  },
  share: {
    prompt: 'What share of the time does the device take?',
    label: 'percent of the time',
    unit: '%',
    hint: 'a percentage from 0 to 100',
  },
};

/**
 * Which question suits a scenario: the device's share when the call goes down to a device (a
 * file read that misses, or O_DIRECT), else the ratio to a function call; null for the function
 * call itself, which is the yardstick.
 */
export function questionFor(scenario) {
  if (!scenario || scenario.op === 'function_call') return null;
  if (scenario.op === 'read' && scenario.fd === 'file' && (scenario.cache === 'miss' || scenario.direct)) return 'share';
  return 'ratio';
}

/**
 * Reads a guess as typed: "300", "300×", "1,000x", "1e3" for a ratio; "90" or "90%" for a share.
 * Returns { value } or { error } (an error a person can act on).
 */
export function parseGuess(text, kind) {
  const q = QUESTIONS[kind];
  if (!q) return { error: `unknown question "${kind}"` };
  const t = String(text ?? '').trim().replace(/[\s,_]/g, '').replace(kind === 'ratio' ? /[x×]$/i : /%$/, '');
  if (t === '') return { error: `Type your guess first: ${q.hint}.` };
  const n = Number(t);
  if (!Number.isFinite(n)) return { error: `"${String(text).trim()}" is not a number: type ${q.hint}.` };
  if (kind === 'ratio' && n <= 0) return { error: `A call cannot be ${n} times a function call: type ${q.hint}.` };
  if (kind === 'share' && (n < 0 || n > 100)) return { error: `A share is between 0 and 100%, not ${n}%.` };
  return { value: n };
}

/**
 * The true answer for `kind` from the journey (and, for the ratio, the function call's journey).
 * The ratio and the share are of what one read waits (for io_uring too, not the batch's ÷N).
 * Returns a ratio (a number of times) or a share in percent; NaN when it cannot be said.
 */
export function actualFor(kind, journey, { functionCall = null, model = null } = {}) {
  const c = readCosts(journey, model);
  if (kind === 'ratio') {
    const base = functionCall?.totals?.ns;
    return base > 0 ? c.waitNs / base : NaN;
  }
  if (kind === 'share') {
    const parallelism = model?.devices?.find((d) => d.id === journey?.scenario?.device)?.parallelism;
    const device = (journey?.stages ?? []).filter((st) => st.lane === 'hardware')
      .reduce((a, st) => a + (c.uring ? waitNsOf(st, c.batch, parallelism) : st.ns), 0);
    return c.waitNs > 0 ? (100 * device) / c.waitNs : NaN;
  }
  return NaN;
}

/**
 * How far off a guess was: { verdict: 'close' | 'low' | 'high', off, text }.
 * A ratio is judged by factor (within 2× is close: these numbers span six orders of magnitude),
 * a share by percentage points (within 10 points is close).
 */
export function judge(kind, guess, actual) {
  if (!Number.isFinite(actual)) return { verdict: 'unknown', off: NaN, text: 'The answer is not available.' };
  if (kind === 'ratio') {
    const off = Math.max(guess / actual, actual / guess);
    const verdict = off <= 2 ? 'close' : guess < actual ? 'low' : 'high';
    const truth = `It is ${formatRatio(actual)} a function call`;
    const how = verdict === 'close'
      ? `within ${formatRatio(off)} of it: close.`
      : `your guess was ${formatRatio(off)} too ${verdict}.`;
    return { verdict, off, text: `You guessed ${formatRatio(guess)}. ${truth}: ${how}` };
  }
  const off = Math.abs(guess - actual);
  const verdict = off <= 10 ? 'close' : guess < actual ? 'low' : 'high';
  const pts = Math.round(off);
  const truth = `The device takes ${formatShare(actual / 100)} of the time`;
  const how = verdict === 'close'
    ? `you were ${pts === 0 ? 'spot on' : `${pts} point${pts === 1 ? '' : 's'} away: close`}.`
    : `your guess was ${pts} points too ${verdict}.`;
  return { verdict, off, text: `You guessed ${formatShare(guess / 100)}. ${truth}: ${how}` };
}
