import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortName } from '../../../web/lib/labels.js';

test('CPU presets get short names that fit a select', () => {
  assert.equal(shortName('AMD Zen 3 (EPYC 7003, Ryzen 5000): no Meltdown (no KPTI), retpolines, SRSO safe RET'), 'AMD Zen 3');
  assert.equal(shortName('Virtual machine: AMD EPYC Zen 3 guest, retpolines, SRSO safe RET, virtio-blk disk'), 'AMD EPYC Zen 3 guest');
  assert.equal(shortName('Intel Xeon, Ice Lake or later: eIBRS, the BHI loop'), 'Intel Xeon, Ice Lake or later');
  assert.equal(shortName('Intel without PCID (before Westmere), or a guest with PCID hidden: KPTI without PCID'), 'Intel without PCID');
  assert.equal(shortName('Intel Broadwell, early-2018 patches (KPTI + legacy IBRS)'), 'Intel Broadwell');
  assert.equal(shortName('AMD Zen 4'), 'AMD Zen 4');
  assert.equal(shortName(''), '');
});
