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

/** True for a journey of reads issued through io_uring (with or without SQPOLL). */
export function isUring(journey) {
  const sc = journey?.scenario ?? {};
  return sc.op === 'read' && String(sc.api ?? '').startsWith('io_uring');
}

/**
 * What one stage adds to the time a single read waits, from its submission to its completion.
 * The engine lists a batch's stages per read: a stage paid once per io_uring_enter (per "batch")
 * is shown ÷N, yet each read waits for all of it; device time the reads overlap (per "overlap")
 * is shown as ceil(N / parallelism) ÷ N of one device read, yet each read waits one device read
 * in full. `parallelism` unknown: the device serves the whole batch at once.
 */
export function waitNsOf(stage, batch = 1, parallelism = Infinity) {
  const n = Math.max(1, batch);
  if (stage.per === 'batch') return stage.ns * n;
  if (stage.per === 'overlap') return (stage.ns * n) / Math.ceil(n / Math.max(1, parallelism || Infinity));
  return stage.ns;
}

/**
 * Latency and cost of one read, kept apart. For read() they are the journey's totals; for
 * io_uring the journey is the batch ÷ N (what each read costs the CPU), while each read still
 * waits for the batch's shared steps and for its own device read in full.
 *   { uring, batch, waitNs, waitOnCpuNs, waitBlockedNs, perReadNs, cpuNs, cpuCycles, batchNs }
 * waitNs: what one read waits (at least: reads the device cannot serve at once queue behind it);
 * perReadNs: the journey's total (÷N for io_uring); cpuNs, cpuCycles: on-CPU time and cycles per
 * read; batchNs: when the whole batch is done.
 */
export function readCosts(journey, model = null) {
  const t = journey?.totals ?? {};
  const ghz = journey?.scenario?.ghz ?? 3;
  const uring = isUring(journey);
  const batch = uring ? Math.max(1, Number(journey.scenario.batch) || 1) : 1;
  const parallelism = model?.devices?.find((d) => d.id === journey?.scenario?.device)?.parallelism ?? Infinity;
  let waitOnCpuNs = 0;
  let waitBlockedNs = 0;
  for (const st of journey?.stages ?? []) {
    const w = uring ? waitNsOf(st, batch, parallelism) : st.ns;
    if (st.on_cpu) waitOnCpuNs += w;
    else waitBlockedNs += w;
  }
  const cpuNs = t.on_cpu_ns ?? 0;
  return {
    uring,
    batch,
    waitNs: uring ? waitOnCpuNs + waitBlockedNs : t.ns ?? 0,
    waitOnCpuNs: uring ? waitOnCpuNs : cpuNs,
    waitBlockedNs: uring ? waitBlockedNs : t.blocked_ns ?? 0,
    perReadNs: t.ns ?? 0,
    cpuNs,
    cpuCycles: cpuNs * ghz,
    batchNs: uring ? t.batch_ns ?? (t.ns ?? 0) * batch : t.ns ?? 0,
  };
}
