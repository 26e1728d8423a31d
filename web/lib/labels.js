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

// The system call the kernel's dispatch stage hands the call to, by call and API: the model has
// one dispatch stage whose title and functions name read(). io_uring enters the kernel through
// io_uring_enter, and a baseline syscall never reaches ksys_read.
const DISPATCH = {
  getppid: ['getppid', '__x64_sys_getppid'],
  clock_gettime: ['clock_gettime', '__x64_sys_clock_gettime'],
  'read:pread': ['ksys_pread64', '__x64_sys_pread64', 'ksys_pread64'],
  'read:sendfile': ['do_sendfile', '__x64_sys_sendfile64', 'do_sendfile'],
  'read:io_uring': ['io_uring_enter', '__x64_sys_io_uring_enter'],
  'read:io_uring_sqpoll': ['io_uring_enter', '__x64_sys_io_uring_enter'],
};

/**
 * The journey as the page shows it: the dispatch stage names the system call that is really made
 * (io_uring_enter for io_uring, getppid for getppid). Returns `journey` itself when nothing
 * changes, else a copy (engine answers are cached and shared: never edited in place).
 */
export function relabel(journey) {
  const sc = journey?.scenario ?? {};
  const key = sc.op === 'read' ? `read:${sc.api}` : sc.op;
  const target = DISPATCH[key];
  const i = journey?.stages?.findIndex((st) => st.id === 'dispatch') ?? -1;
  if (!target || i < 0) return journey;
  const st = journey.stages[i];
  const [name, ...fns] = target;
  const title = `Dispatch: do_syscall_64 to ${name}`;
  if (st.title === title || !/ksys_read/.test(st.title ?? '')) return journey;
  const functions = (st.functions ?? []).filter((f) => !/(^|_)sys_read$|^ksys_read$/.test(f)).concat(fns.filter((f) => !(st.functions ?? []).includes(f)));
  const stages = journey.stages.slice();
  stages[i] = { ...st, title, functions };
  return { ...journey, stages };
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
