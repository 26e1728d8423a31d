import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveBatch, isUring, readCosts, uringCalc, waitNsOf } from '../../../web/lib/uring.js';

test('epoll pays one syscall per connection, io_uring one per batch', () => {
  const r = uringCalc({ connections: 1000, batch: 32, readNs: 560, uringReadNs: 490, epollWaitNs: 117 });
  assert.equal(r.epoll.syscalls, 1001);
  assert.equal(r.epoll.ns, 1000 * 560 + 117);
  assert.equal(r.uring.syscalls, 32); // ceil(1000 / 32)
  assert.equal(r.uring.ns, 1000 * 490);
  assert.equal(r.saved_syscalls, 969);
  assert.ok(Math.abs(r.speedup - (560117 / 490000)) < 1e-12);
});

test('without an epoll_wait cost, and with SQPOLL (no syscalls at all)', () => {
  const r = uringCalc({ connections: 10, batch: 4, readNs: 100, uringReadNs: 50 });
  assert.equal(r.epoll.syscalls, 10);
  assert.equal(r.uring.syscalls, 3);
  assert.equal(r.speedup, 2);
  assert.equal(uringCalc({ connections: 10, batch: 4, readNs: 100, uringReadNs: 50, sqpoll: true }).uring.syscalls, 0);
});

test('io_uring can lose when its bookkeeping outweighs the crossings', () => {
  const r = uringCalc({ connections: 1, batch: 1, readNs: 300, uringReadNs: 340 });
  assert.ok(r.speedup < 1);
});

test('degenerate inputs', () => {
  const r = uringCalc({ connections: 0, batch: 0, readNs: 100, uringReadNs: 0 });
  assert.equal(r.uring.syscalls, 0);
  assert.ok(Number.isNaN(r.speedup));
});

test('the batch never exceeds the connections or the engine range', () => {
  assert.equal(effectiveBatch(10, 32), 10);
  assert.equal(effectiveBatch(1000, 32), 32);
  assert.equal(effectiveBatch(100000, 9999, [1, 4096]), 4096);
  assert.equal(effectiveBatch(5, 0), 1);
});

// An io_uring miss as the engine lists it: the batch ÷ N per read.
const uringMiss = {
  scenario: { op: 'read', api: 'io_uring', batch: 32, device: 'nvme', ghz: 3 },
  stages: [
    { id: 'sqe_prep', ns: 6.7, per: 'read', on_cpu: true },
    { id: 'syscall_insn', ns: 0.26, per: 'batch', on_cpu: true },
    { id: 'readahead_alloc', ns: 1066.7, per: 'read', on_cpu: true },
    { id: 'device_read', ns: 2500, per: 'overlap', on_cpu: false },
    { id: 'wakeup_switch', ns: 62.5, per: 'batch', on_cpu: false },
  ],
  totals: { ns: 3636.16, on_cpu_ns: 1073.66, blocked_ns: 2562.5, batch_ns: 116357.12 },
};
const model = { devices: [{ id: 'nvme', parallelism: 32 }, { id: 'hdd', parallelism: 1 }] };

test('what one stage adds to a read\'s wait: shared steps and the device read in full', () => {
  assert.equal(waitNsOf({ ns: 10, per: 'read' }, 32), 10);
  assert.equal(waitNsOf({ ns: 10, per: 'batch' }, 32), 320);
  assert.equal(waitNsOf({ ns: 2500, per: 'overlap' }, 32, 32), 80000);
  // a disk serving one read at a time: the engine shows ceil(32/1)/32 of one read, i.e. one read
  assert.equal(waitNsOf({ ns: 12e6, per: 'overlap' }, 32, 1), 12e6);
  assert.equal(waitNsOf({ ns: 100, per: 'overlap' }, 32, 8), 800);
});

test('readCosts keeps latency and CPU cost apart for io_uring, and is the totals for read()', () => {
  const c = readCosts(uringMiss, model);
  assert.equal(c.uring, true);
  assert.equal(c.batch, 32);
  assert.ok(Math.abs(c.waitNs - (6.7 + 0.26 * 32 + 1066.7 + 80000 + 62.5 * 32)) < 1e-6);
  assert.ok(c.waitNs > 20 * c.perReadNs, 'each read waits far longer than its ÷N share');
  assert.equal(c.cpuNs, 1073.66);
  assert.ok(Math.abs(c.cpuCycles - 1073.66 * 3) < 1e-9);
  assert.equal(c.batchNs, 116357.12);
  assert.ok(Math.abs(c.waitOnCpuNs + c.waitBlockedNs - c.waitNs) < 1e-9);
  const plain = { scenario: { op: 'read', api: 'read', ghz: 3 }, stages: [], totals: { ns: 86000, on_cpu_ns: 3000, blocked_ns: 83000 } };
  const p = readCosts(plain, model);
  assert.equal(p.uring, false);
  assert.equal(p.waitNs, 86000);
  assert.equal(p.cpuCycles, 9000);
  assert.equal(isUring(plain), false);
  assert.equal(isUring(uringMiss), true);
});
