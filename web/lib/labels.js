// Words shown for option values, lanes and tools. Pure data.

export const LANES = [
  { id: 'user', title: 'USER', ring: 'ring 3' },
  { id: 'kernel', title: 'KERNEL', ring: 'ring 0' },
  { id: 'hardware', title: 'HARDWARE', ring: 'devices' },
];

export const LANE_TITLE = { user: 'user', kernel: 'kernel', hardware: 'hardware' };

export const OPTION_LABELS = {
  op: {
    read: 'read(fd, buf, n)',
    write: 'write(fd, buf, n)',
    fsync: 'write, then fsync(fd)',
    fdatasync: 'write, then fdatasync(fd)',
    function_call: 'function call (baseline)',
    vdso_clock_gettime: 'vDSO clock_gettime (baseline)',
    clock_gettime: 'clock_gettime syscall (no vDSO)',
    getppid: 'getppid syscall (baseline)',
  },
  fd: { file: 'file on ext4', pipe: 'pipe', tcp: 'TCP socket', unix: 'AF_UNIX socket' },
  cache: { hit: 'hit', miss: 'miss' },
  sync: { none: 'no (buffered)', dsync: 'O_DSYNC: the data', sync: 'O_SYNC: data and inode' },
  tracer: { none: 'none', ptrace: 'bare ptrace tracer', strace: 'strace' },
  api: {
    read: 'read()',
    pread: 'pread()',
    io_uring: 'io_uring',
    io_uring_sqpoll: 'io_uring + SQPOLL',
    sendfile: 'sendfile() to a socket',
  },
};

/** What each tool in visible_to is, for tooltips and the legend. */
export const TOOLS = {
  strace: 'strace: ptrace stops at syscall entry and exit',
  ltrace: 'ltrace: library calls in user space',
  'perf-trace': 'perf trace: the raw_syscalls tracepoints',
  ftrace: 'ftrace: kernel function tracing',
  bpftrace: 'bpftrace: kprobes, uprobes and tracepoints',
  blktrace: 'blktrace: block layer events',
  biolatency: 'biolatency: time from block I/O issue to completion',
};

/** The label for an option value, falling back to the value itself. */
export function optionLabel(option, value) {
  return OPTION_LABELS[option]?.[value] ?? String(value);
}

/**
 * A CPU preset's short name for a select: its titles run to a sentence ("Intel Xeon, Ice Lake or
 * later: eIBRS, the BHI loop, ..."), which a select cuts off. Drops "Virtual machine: ", the
 * details after ":" and any parenthesis; a name still longer than `max` keeps its first clause.
 */
export function shortName(title, max = 30) {
  let t = String(title ?? '').trim();
  const vm = /^virtual machine:\s*/i.test(t);
  t = t.replace(/^virtual machine:\s*/i, '');
  if (!vm) t = t.split(':')[0];
  t = t.replace(/\s*\([^)]*\)/g, '').trim();
  if (vm || t.length > max) t = t.split(',')[0].trim();
  return t || String(title ?? '');
}
