#include "config_file.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>

namespace rover_alerts::alertctl {

namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::filesystem::path default_config_path() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0')
    return std::filesystem::path(xdg) / "alertctl" / "config";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::filesystem::path(home) / ".config" / "alertctl" / "config";
  return {};
}

std::string read_config(const std::filesystem::path& path, bool named, Options& o) {
  std::ifstream in(path);
  if (!in) return named ? "cannot read the config file " + path.string() : std::string();
  std::string line;
  int number = 0;
  bool has_token = false;
  std::optional<std::string> url, token, ca_file;
  while (std::getline(in, line)) {
    ++number;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      return path.string() + ":" + std::to_string(number) + ": expected `key = value`";
    const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key == "url") url = value;
    else if (key == "token") token = value, has_token = true;
    else if (key == "ca-file") ca_file = value;
    else return path.string() + ":" + std::to_string(number) + ": unknown key `" + key + "` (url, token, ca-file)";
  }
  struct stat st {};
  if (has_token && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    return "the config file " + path.string() + " holds a token and others may read it: chmod 600 it";
  if (!o.url && url) o.url = url;
  if (!o.token && token) o.token = token;
  if (!o.ca_file && ca_file) o.ca_file = ca_file;
  return {};
}

}  // namespace

std::string complete_from_environment(Options& o) {
  if (!o.url)
    if (const char* url = std::getenv("ALERT_URL"); url != nullptr && *url != '\0') o.url = url;
  if (!o.token)
    if (const char* token = std::getenv("ALERT_TOKEN"); token != nullptr && *token != '\0') o.token = token;
  const bool named = o.config_file.has_value();
  const std::filesystem::path path = named ? std::filesystem::path(*o.config_file) : default_config_path();
  if (!path.empty() && (named || !o.url || !o.token)) {
    if (auto error = read_config(path, named, o); !error.empty()) return error;
  }
  if (!o.url) o.url = ground::ClientConfig{}.url;
  if (!o.token) return "no token: give --token, set ALERT_TOKEN, or put `token = …` in the config file";
  return {};
}

}  // namespace rover_alerts::alertctl
