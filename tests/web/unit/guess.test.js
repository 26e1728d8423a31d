import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { actualFor, judge, parseGuess, questionFor } from '../../../web/lib/guess.js';

const hit = JSON.parse(readFileSync(new URL('./fixtures/journey-hit.json', import.meta.url), 'utf8'));
const miss = JSON.parse(readFileSync(new URL('./fixtures/journey-miss.json', import.meta.url), 'utf8'));
const fc = { totals: { ns: 1.5 }, stages: [] };

test('the question suits the scenario: the device share when the call reaches a device', () => {
  const base = { op: 'read', fd: 'file', cache: 'miss', direct: false };
  assert.equal(questionFor(base), 'share');
  assert.equal(questionFor({ ...base, cache: 'hit' }), 'ratio');
  assert.equal(questionFor({ ...base, cache: 'hit', direct: true }), 'share');
  assert.equal(questionFor({ ...base, fd: 'pipe' }), 'ratio');
  assert.equal(questionFor({ op: 'getppid' }), 'ratio');
  assert.equal(questionFor({ op: 'function_call' }), null, 'the yardstick itself is not asked');
});

test('guesses are read as people type them, and refused in words', () => {
  assert.deepEqual(parseGuess('300', 'ratio'), { value: 300 });
  assert.deepEqual(parseGuess(' 1,000× ', 'ratio'), { value: 1000 });
  assert.deepEqual(parseGuess('2e4x', 'ratio'), { value: 20000 });
  assert.deepEqual(parseGuess('90%', 'share'), { value: 90 });
  assert.match(parseGuess('', 'ratio').error, /Type your guess/);
  assert.match(parseGuess('lots', 'ratio').error, /not a number/);
  assert.match(parseGuess('0', 'ratio').error, /cannot be 0 times/);
  assert.match(parseGuess('120', 'share').error, /between 0 and 100/);
  assert.match(parseGuess('1', 'nope').error, /unknown question/);
});

test('the answer: the ratio to a function call and the device share, from the journey', () => {
  assert.ok(Math.abs(actualFor('ratio', hit, { functionCall: fc }) - hit.totals.ns / 1.5) < 1e-9);
  assert.ok(Number.isNaN(actualFor('ratio', hit)), 'no function call, no ratio');
  const device = miss.stages.filter((s) => s.lane === 'hardware').reduce((a, s) => a + s.ns, 0);
  assert.ok(Math.abs(actualFor('share', miss) - (100 * device) / miss.totals.ns) < 1e-9);
  assert.equal(actualFor('share', hit), 0);
});

test('how far off: ratios by factor, shares by points', () => {
  assert.equal(judge('ratio', 100, 150).verdict, 'close');
  const low = judge('ratio', 10, 1000);
  assert.equal(low.verdict, 'low');
  assert.equal(low.off, 100);
  assert.equal(low.text, 'You guessed 10×. It is 1,000× a function call: your guess was 100× too low.');
  assert.equal(judge('ratio', 5000, 1000).verdict, 'high');
  const share = judge('share', 40, 94.9);
  assert.equal(share.verdict, 'low');
  assert.equal(share.text, 'You guessed 40%. The device takes 94.9% of the time: your guess was 55 points too low.');
  assert.match(judge('share', 95, 94.9).text, /spot on/);
  assert.equal(judge('share', 90, 94.9).verdict, 'close');
  assert.equal(judge('ratio', 1, NaN).verdict, 'unknown');
});
