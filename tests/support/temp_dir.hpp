#pragma once
// TempDir: a folder of its own under the system's temporary directory,
// rover-alerts-<tag>-<pid>-<n>, created empty and removed with everything in
// it when the object goes. What the tests and the bench give a relay or a
// journal as its data directory.

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace rover_alerts::testing {

struct TempDir {
  std::filesystem::path path;

  explicit TempDir(std::string_view tag) {
    static std::atomic<unsigned> made{0};
    path = std::filesystem::temp_directory_path() /
           ("rover-alerts-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++made));
    std::error_code ec;
    std::filesystem::remove_all(path, ec);  // left by an earlier process with this pid
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace rover_alerts::testing
