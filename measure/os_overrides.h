// Every Os call, declared as an override: the one list that each class implementing Os
// (LinuxOs, FakeOs) includes inside its body, so that a call added to os.h is declared once here
// and not once per implementation. What each call does is said in os.h.
// No include guard: it is meant to be included once in each such class, not once per file.

// SystemFiles
Result<std::string> read_file(const std::string& path) override;
Result<std::vector<std::string>> list_dir(const std::string& path) override;
Result<std::string> readlink(const std::string& path) override;
Result<long> fs_magic(const std::string& path) override;
Result<DeviceNumber> device_of(const std::string& path) override;
Result<std::string> kernel_release() override;
std::optional<std::string> env(const std::string& name) override;

// Clocks
int64_t monotonic_ns() override;
std::optional<uint64_t> read_tsc() override;
void sleep_ns(int64_t ns) override;

// ProbeFiles
Result<std::string> make_private_dir(const std::string& parent) override;
Status create_file(const std::string& path, size_t bytes) override;
Status remove(const std::string& path) override;

// TimedCalls
Result<int> open(const std::string& path, int flags) override;
Status close(int fd) override;
Result<size_t> pread(int fd, void* buf, size_t n, off_t offset) override;
Result<size_t> read(int fd, void* buf, size_t n) override;
Result<size_t> write(int fd, const void* buf, size_t n) override;
Result<size_t> pwrite(int fd, const void* buf, size_t n, off_t offset) override;
Status fsync(int fd) override;
Status fdatasync(int fd) override;
Result<size_t> bytes_queued(int fd) override;
Status drop_cached_pages(int fd) override;
using Os::resident_pages;  // the overload without an offset
Result<size_t> resident_pages(int fd, off_t offset, size_t length) override;
Result<FdPair> open_channel(Channel kind) override;
Result<long> getppid() override;
Result<int64_t> kernel_monotonic_ns() override;

// Scheduling
int thread_id() override;
Result<int> current_cpu() override;
Result<std::vector<int>> thread_affinity() override;
Status set_thread_affinity(const std::vector<int>& cpus) override;
Status idle_priority() override;

// Uring
Result<int> uring_open(unsigned entries) override;
Status uring_read(int handle, int fd, char* buf, unsigned length, unsigned count) override;
void uring_close(int handle) override;

// Processes
Result<int> fork() override;
[[noreturn]] void exit_child(int code) override;
Status ptrace_traceme() override;
Status stop_self() override;
Result<int> wait_child(int pid) override;
Status ptrace_set_options(int pid, long options) override;
Status ptrace_resume_syscall(int pid, int signal) override;
Status kill(int pid, int signal) override;

// Tracing
unsigned effective_uid() override;
Status mount(const std::string& source, const std::string& target,
             const std::string& fstype) override;
Status unmount(const std::string& target) override;
Status make_dir(const std::string& path) override;
Status write_file(const std::string& path, std::string_view content) override;
