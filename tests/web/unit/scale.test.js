import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clamp, logBarFraction, logScale, niceUp } from '../../../web/lib/scale.js';

test('logScale maps decades evenly and clamps', () => {
  const f = logScale([1, 1e5], [0, 100]);
  assert.equal(f(1e3), 60);
  assert.equal(f(1), 0);
  assert.equal(f(0.01), 0);
  assert.equal(f(0), 0);
  assert.equal(f(1e9), 100);
  assert.ok(Math.abs(f(1e4) - 80) < 1e-9);
});

test('niceUp rounds to 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceUp(260), 500);
  assert.equal(niceUp(1), 1);
  assert.equal(niceUp(0.3), 0.5);
  assert.equal(niceUp(35), 50);
  assert.equal(niceUp(5444), 10000);
  assert.equal(niceUp(2), 2);
  assert.equal(niceUp(0), 1);
});

test('log bars keep tiny stages visible and the largest full', () => {
  assert.equal(logBarFraction(80000, 80000), 1);
  assert.equal(logBarFraction(0.001, 80000), 0.02);
  assert.equal(logBarFraction(0, 80000), 0);
  const mid = logBarFraction(80, 80000); // 3 decades below of 4 shown
  assert.ok(Math.abs(mid - 0.25) < 1e-9);
});

test('clamp', () => {
  assert.equal(clamp(5, 0, 3), 3);
  assert.equal(clamp(-1, 0, 3), 0);
  assert.equal(clamp(2, 0, 3), 2);
});
