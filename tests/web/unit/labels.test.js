import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relabel, shortName } from '../../../web/lib/labels.js';

const dispatch = { id: 'dispatch', title: 'Dispatch: do_syscall_64 to ksys_read', functions: ['do_syscall_64', 'x64_sys_call', '__x64_sys_read', 'ksys_read'] };
const journey = (scenario) => ({ scenario, stages: [{ id: 'syscall_insn', title: 'SYSCALL' }, dispatch] });

test('the dispatch stage names the system call really made', () => {
  const src = journey({ op: 'read', api: 'io_uring', batch: 32 });
  const u = relabel(src);
  assert.equal(u.stages[1].title, 'Dispatch: do_syscall_64 to io_uring_enter');
  assert.deepEqual(u.stages[1].functions, ['do_syscall_64', 'x64_sys_call', '__x64_sys_io_uring_enter']);
  assert.equal(relabel(journey({ op: 'read', api: 'io_uring_sqpoll' })).stages[1].title, 'Dispatch: do_syscall_64 to io_uring_enter');
  assert.equal(relabel(journey({ op: 'getppid' })).stages[1].title, 'Dispatch: do_syscall_64 to getppid');
  assert.equal(relabel(journey({ op: 'read', api: 'pread' })).stages[1].title, 'Dispatch: do_syscall_64 to ksys_pread64');
  // engine answers are shared: never edited in place
  assert.equal(dispatch.title, 'Dispatch: do_syscall_64 to ksys_read');
  assert.notEqual(u, src);
  assert.equal(u.stages[0], src.stages[0], 'the other stages are shared, not copied');
});

test('read() keeps its journey as it is, and a model that already says it right is left alone', () => {
  const j = journey({ op: 'read', api: 'read' });
  assert.equal(relabel(j), j);
  const fixed = { scenario: { op: 'read', api: 'io_uring' }, stages: [{ ...dispatch, title: 'Dispatch: do_syscall_64 to __x64_sys_io_uring_enter' }] };
  assert.equal(relabel(fixed), fixed);
  assert.equal(relabel(null), null);
});

test('CPU presets get short names that fit a select', () => {
  assert.equal(shortName('AMD Zen 3 (EPYC 7003, Ryzen 5000): no Meltdown (no KPTI), retpolines, SRSO safe RET'), 'AMD Zen 3');
  assert.equal(shortName('Virtual machine: AMD EPYC Zen 3 guest, retpolines, SRSO safe RET, virtio-blk disk'), 'AMD EPYC Zen 3 guest');
  assert.equal(shortName('Intel Xeon, Ice Lake or later: eIBRS, the BHI loop'), 'Intel Xeon, Ice Lake or later');
  assert.equal(shortName('Intel without PCID (before Westmere), or a guest with PCID hidden: KPTI without PCID'), 'Intel without PCID');
  assert.equal(shortName('Intel Broadwell, early-2018 patches (KPTI + legacy IBRS)'), 'Intel Broadwell');
  assert.equal(shortName('AMD Zen 4'), 'AMD Zen 4');
  assert.equal(shortName(''), '');
});
