import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatBytes, formatCycles, formatDuration, formatHuman, formatNs, formatRatio, formatShare, group, sig,
} from '../../../web/lib/format.js';

test('sig keeps three significant digits and drops trailing zeros', () => {
  assert.equal(sig(33.333), '33.3');
  assert.equal(sig(310), '310');
  assert.equal(sig(84310.3), '84300');
  assert.equal(sig(1.5), '1.5');
  assert.equal(sig(2.0), '2');
  assert.equal(sig(0), '0');
});

test('cycles get thousands separators', () => {
  assert.equal(formatCycles(930), '930');
  assert.equal(formatCycles(252931), '252,931');
  assert.equal(formatCycles(37123155), '37,123,155');
  assert.equal(formatCycles(4.5), '4.5');
  assert.equal(group(-1234), '-1,234');
});

test('nanoseconds pick the unit that keeps the number >= 1', () => {
  assert.equal(formatNs(1.5), '1.5 ns');
  assert.equal(formatNs(310), '310 ns');
  assert.equal(formatNs(84310.3), '84.3 µs');
  assert.equal(formatNs(12374385), '12.4 ms');
  assert.equal(formatNs(2.5e9), '2.5 s');
  assert.equal(formatNs(0), '0 ns');
  assert.equal(formatNs(0.42), '0.42 ns');
  assert.equal(formatNs(999.9), '1000 ns');
  assert.equal(formatNs(NaN), '—');
});

test('shares are percentages with sensible precision', () => {
  assert.equal(formatShare(0.95), '95%');
  assert.equal(formatShare(0.2151), '21.5%');
  assert.equal(formatShare(0.0004), '0.04%');
  assert.equal(formatShare(0.00001), '<0.01%');
  assert.equal(formatShare(0.9999), '>99.9%');
  assert.equal(formatShare(1), '100%');
  assert.equal(formatShare(0), '0%');
});

test('ratios', () => {
  assert.equal(formatRatio(206.7), '207×');
  assert.equal(formatRatio(2.87), '2.9×');
  assert.equal(formatRatio(56207), '56,207×');
  assert.equal(formatRatio(11.48), '11×');
  assert.equal(formatRatio(0.5), '0.5×');
  assert.equal(formatRatio(NaN), '—');
  assert.equal(formatRatio(0), '—');
});

test('human scale: one cycle lasts one second', () => {
  assert.equal(formatHuman(930), '15.5 minutes');
  assert.equal(formatHuman(4.5), '4.5 seconds');
  assert.equal(formatHuman(1), '1 second');
  assert.equal(formatHuman(60), '1 minute');
  assert.equal(formatHuman(252931), '2.93 days');
  assert.equal(formatHuman(37123155), '1.18 years');
  assert.equal(formatHuman(3600 * 5), '5 hours');
  assert.equal(formatHuman(0.5), '0.5 seconds');
  assert.equal(formatHuman(86400 * 365.25 * 250), '250 years');
  assert.equal(formatHuman(86400 * 365.25 * 2500), '2,500 years');
});

test('formatDuration switches between real time and the human scale', () => {
  assert.equal(formatDuration({ ns: 310, cycles: 930 }), '310 ns');
  assert.equal(formatDuration({ ns: 310, cycles: 930 }, true), '15.5 minutes');
});

test('bytes', () => {
  assert.equal(formatBytes(16), '16 B');
  assert.equal(formatBytes(4096), '4 KiB');
  assert.equal(formatBytes(1073741824), '1 GiB');
});

test('plural, on-CPU cycles, and what counts as CPU work', async () => {
  const { isCpuWork, onCpuCycles, plural } = await import('../../../web/lib/format.js');
  assert.equal(plural(1, 'stage'), '1 stage');
  assert.equal(plural(0, 'stage'), '0 stages');
  assert.equal(plural(23, 'stage'), '23 stages');
  assert.equal(onCpuCycles({ scenario: { ghz: 3 }, totals: { on_cpu_ns: 3040, cycles: 258130 } }), 9120);
  assert.equal(isCpuWork({ on_cpu: false, unit: 'ns' }), false, 'the drive: a wait');
  assert.equal(isCpuWork({ on_cpu: false, unit: 'cycles' }), true, 'an interrupt handler while the task sleeps');
  assert.equal(isCpuWork({ on_cpu: true, unit: 'ns' }), true);
});
