#pragma once
// ChildProcess: runs a real program for an integration test, reads its stdout
// line by line, and makes sure it is gone when the test ends (SIGTERM, then
// SIGKILL). No shell is involved: arguments are passed as they are. Given a
// CPU, the child runs on that one alone (its threads too).

#include "support/cpu_affinity.hpp"

#include <csignal>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rover_alerts::testing {

class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv, int cpu = -1) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      if (cpu >= 0 && !run_only_on(cpu)) _exit(126);
      ::dup2(out[1], STDOUT_FILENO);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      _exit(127);
    }
    ::close(out[1]);
    stdout_fd_ = out[0];
  }
  ~ChildProcess() {
    terminate();
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Next line of the child's stdout, without the newline; nullopt on EOF or timeout.
  std::optional<std::string> read_line(int timeout_ms = 10000) {
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      pollfd p{stdout_fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
      char chunk[512];
      const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Waits for the child to exit; returns its exit status, or -1 on timeout/signal.
  int wait_exit(int timeout_ms = 20000) {
    for (int waited = 0; pid_ > 0 && waited <= timeout_ms; waited += 10) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      ::usleep(10000);
    }
    return -1;
  }

  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  // SIGTERM, a grace period, then SIGKILL. Tests check that the exit is clean, not how fast it
  // is: under a sanitizer on a loaded machine, leak checking alone can take seconds after the
  // child's last log line, so the grace is generous.
  int terminate(int grace_ms = 30000) {
    if (pid_ <= 0) return 0;
    ::kill(pid_, SIGTERM);
    const int status = wait_exit(grace_ms);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    return status;
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

}  // namespace rover_alerts::testing
