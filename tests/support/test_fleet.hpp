#pragma once
// The rovers every test relay knows: an owner-only --rovers file naming each
// rover id the tests use, and a key file for rover-sim. The fleet shares one
// key (a test secret, like the demo tokens); "rover-other-key" has another,
// so a test can use the right id with the wrong key. Written once per test
// process into a folder of its own.

#include "support/temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace rover_alerts::testing {

inline constexpr std::string_view kFleetKeyHex = "6c696e6b2d6b65792d6f662d7468652d746573742d666c6565742d3230323621";
inline constexpr std::string_view kOtherKeyHex = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
inline constexpr std::string_view kOtherKeyRover = "rover-other-key";

inline std::vector<std::string> fleet_rover_ids() {
  std::vector<std::string> ids{"rover",        "rover-1",       "rover-2",    "rover-7",       "rover-c",
                               "rover-it",     "rover-crash",   "rover-restart", "rover-small-ring", "rover-lz4",
                               "rover-lz4-bad", "rover-fb",     "rover-deflate", "rover-m",      "rover-tls",
                               "rover-utf8",   "rover-seq",     "rover-fast", "rover-capped",  "rover-estop",
                               "rover-flood",  "rover-many",    "rover-x",    "rover-bystander", "rover-metrics",
                               "rover-auth",   "rover-rotated", "rover-replayed"};
  for (int i = 0; i < 64; ++i) {
    ids.push_back("rover-bystander-" + std::to_string(i));
    ids.push_back("rover-held-" + std::to_string(i));
  }
  for (int i = 0; i < 512; ++i) ids.push_back("rover-big-" + std::to_string(i));
  return ids;
}

// Writes `text` to `path`, readable and writable by its owner only.
inline void write_owner_only(const std::filesystem::path& path, const std::string& text) {
  { std::ofstream(path, std::ios::trunc) << text; }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

class TestFleet {
 public:
  static const TestFleet& get() {
    static const TestFleet fleet;
    return fleet;
  }
  const std::filesystem::path& rovers_file() const { return rovers_file_; }
  const std::filesystem::path& key_file() const { return key_file_; }
  const std::filesystem::path& other_key_file() const { return other_key_file_; }

 private:
  TestFleet() {
    std::string rovers = "# the test fleet (tests/support/test_fleet.hpp)\n";
    for (const auto& id : fleet_rover_ids()) rovers += id + " " + std::string(kFleetKeyHex) + "\n";
    rovers += std::string(kOtherKeyRover) + " " + std::string(kOtherKeyHex) + "\n";
    write_owner_only(rovers_file_, rovers);
    write_owner_only(key_file_, std::string(kFleetKeyHex) + "\n");
    write_owner_only(other_key_file_, std::string(kOtherKeyHex) + "\n");
  }
  TempDir dir_{"fleet"};
  std::filesystem::path rovers_file_ = dir_.path / "rovers";
  std::filesystem::path key_file_ = dir_.path / "fleet.key";
  std::filesystem::path other_key_file_ = dir_.path / "other.key";
};

// rover-sim's arguments for the fleet's key.
inline std::vector<std::string> fleet_key_args() { return {"--key-file", TestFleet::get().key_file().string()}; }

}  // namespace rover_alerts::testing
