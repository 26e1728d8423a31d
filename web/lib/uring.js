// The epoll vs io_uring calculator. Pure: no DOM. The per-read costs come from the engine.

/**
 * Serving `connections` ready sockets, one read each.
 *   epoll:    one read() syscall per connection (plus `epollWaitNs` once, for the epoll_wait
 *             that reported them ready).
 *   io_uring: reads go in batches of `batch` per io_uring_enter; `uringReadNs` is the engine's
 *             per-read cost at that batch size (the totals are per read).
 * Returns { epoll: { syscalls, ns }, uring: { syscalls, ns }, speedup, saved_syscalls }.
 */
export function uringCalc({ connections, batch, readNs, uringReadNs, epollWaitNs = 0, sqpoll = false }) {
  const n = Math.max(0, Math.floor(connections));
  const b = Math.max(1, Math.floor(batch));
  const epoll = { syscalls: n + (epollWaitNs > 0 ? 1 : 0), ns: n * readNs + epollWaitNs };
  const enters = sqpoll ? 0 : Math.ceil(n / b);
  const uring = { syscalls: enters, ns: n * uringReadNs };
  return {
    epoll,
    uring,
    speedup: uring.ns > 0 ? epoll.ns / uring.ns : NaN,
    saved_syscalls: epoll.syscalls - uring.syscalls,
  };
}

/** Clamps the batch to the connection count and the engine's range: 32 reads never need 64. */
export function effectiveBatch(connections, batch, [lo, hi] = [1, 4096]) {
  return Math.max(lo, Math.min(hi, Math.floor(batch), Math.max(1, Math.floor(connections))));
}
