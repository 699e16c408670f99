#pragma once
// The delivery suite's child processes (the real alert-relay, alert-load-clients)
// and what the suite reads about them from outside: CPU time and resident
// memory from /proc. Their logs go to files, not to the bench's output: a
// relay serving 1000 clients logs a line per connection.

#include "support/child_process.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::bench {

// Starts argv with its stderr appended to `log`. ChildProcess leaves stderr
// inherited, so the bench's own is swapped for the moment of the fork (the
// bench starts children from its main thread, before any load thread runs).
// `cpu` >= 0: the child runs on that CPU alone.
inline std::unique_ptr<testing::ChildProcess> start_logging_to(std::vector<std::string> argv,
                                                               const std::filesystem::path& log, int cpu = -1) {
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int saved = ::dup(STDERR_FILENO);
  std::fflush(stderr);
  if (log_fd >= 0) ::dup2(log_fd, STDERR_FILENO);
  auto child = std::make_unique<testing::ChildProcess>(std::move(argv), cpu);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  if (log_fd >= 0) ::close(log_fd);
  return child;
}

// The last line of a log, for a note saying why a child failed.
inline std::string last_line(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

// User + system CPU seconds of a process, all its threads (/proc/PID/stat);
// -1 when it cannot be read.
inline double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name is in parentheses and may hold spaces: fields count from after it.
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // state is field 3; utime and stime are fields 14 and 15.
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::stoull(field);
    if (n == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// VmRSS of a process in MiB (/proc/PID/status); -1 when it cannot be read.
// A memory figure of /proc/PID/status in MiB: VmRSS (now) or VmHWM (peak).
inline double process_status_mb(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) != 0 || line.size() <= field.size() || line[field.size()] != ':') continue;
    std::istringstream value(line.substr(field.size() + 1));
    double kib = 0;
    value >> kib;
    return kib / 1024.0;
  }
  return -1;
}

inline double process_rss_mb(pid_t pid) { return process_status_mb(pid, "VmRSS"); }
inline double process_peak_rss_mb(pid_t pid) { return process_status_mb(pid, "VmHWM"); }

}  // namespace rover_alerts::bench
