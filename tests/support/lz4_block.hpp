#pragma once
// An lz4 block of some bytes, as a peer that speaks Lz4Batch would make it:
// for tests that build batches by hand (also lying or corrupt ones).

#include <lz4.h>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <vector>

namespace rover_alerts::testing {

inline std::vector<char> lz4_compress(const std::vector<std::uint8_t>& raw) {
  std::vector<char> block(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(raw.size()))));
  const int n = LZ4_compress_default(reinterpret_cast<const char*>(raw.data()), block.data(),
                                     static_cast<int>(raw.size()), static_cast<int>(block.size()));
  BOOST_REQUIRE(n > 0);
  block.resize(static_cast<std::size_t>(n));
  return block;
}

}  // namespace rover_alerts::testing
