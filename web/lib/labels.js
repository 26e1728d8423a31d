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
    function_call: 'function call (baseline)',
    vdso_clock_gettime: 'vDSO clock_gettime (baseline)',
    clock_gettime: 'clock_gettime syscall (no vDSO)',
    getppid: 'getppid syscall (baseline)',
  },
  fd: { file: 'file on ext4', pipe: 'pipe', tcp: 'TCP socket', unix: 'AF_UNIX socket' },
  cache: { hit: 'hit', miss: 'miss' },
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
