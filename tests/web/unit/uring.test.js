import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveBatch, uringCalc } from '../../../web/lib/uring.js';

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
