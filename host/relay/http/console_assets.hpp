#pragma once
// The operator console (host/console): its files are embedded at build time
// (host/console/embed_files.cmake generates console_assets.cpp in the build
// folder) and served from memory by HttpSession.

#include <span>
#include <string_view>

namespace rover_alerts::relay {

struct ConsoleAsset {
  std::string_view path;          // "/" for index.html, "/<name>" for the others
  std::string_view content_type;  // with its charset
  std::string_view body;
};

// Every embedded file (generated code).
std::span<const ConsoleAsset> console_assets();

// The asset served at `path`; nullptr when there is none.
inline const ConsoleAsset* find_console_asset(std::string_view path) {
  for (const ConsoleAsset& asset : console_assets())
    if (asset.path == path) return &asset;
  return nullptr;
}

// The console loads only its own files and talks only to its own origin
// (connect-src 'self' covers ws:// and wss:// to it): no inline script or
// style, no framing, no form posts, no referrer.
inline constexpr std::string_view kConsoleContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace rover_alerts::relay
