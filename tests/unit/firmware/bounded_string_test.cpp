#include <rover_alerts/bounded_string.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using rover_alerts::BoundedString;
using rover_alerts::utf8_prefix_length;

namespace {

// Oracle: a prefix is valid when it is no longer than the bound and the next byte
// (if any) does not continue a UTF-8 sequence.
bool is_char_boundary(const std::string& s, std::size_t n) {
  return n >= s.size() || (static_cast<unsigned char>(s[n]) & 0xC0u) != 0x80u;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bounded_string)

BOOST_AUTO_TEST_CASE(short_values_are_kept_whole) {
  BoundedString<8> s;
  BOOST_TEST(!s.assign("abc"));
  BOOST_TEST(s.view() == "abc");
  BOOST_TEST(!s.full());
}

BOOST_AUTO_TEST_CASE(exact_fit_is_not_truncation) {
  BoundedString<3> s;
  BOOST_TEST(!s.assign("abc"));
  BOOST_TEST(s.full());
}

BOOST_AUTO_TEST_CASE(ascii_overflow_cuts_at_capacity) {
  BoundedString<4> s;
  BOOST_TEST(s.assign("abcdef"));
  BOOST_TEST(s.view() == "abcd");
}

BOOST_AUTO_TEST_CASE(cut_never_splits_a_multibyte_character) {
  BoundedString<4> s;
  BOOST_TEST(s.assign("ab\xC2\xB0" "C"));  // "ab°C" is 5 bytes; the cut falls after °
  BOOST_TEST(s.view() == "ab\xC2\xB0");
  BOOST_TEST(s.assign("abc\xC2\xB0"));  // cut would split ° -> keep "abc"
  BOOST_TEST(s.view() == "abc");
  BoundedString<3> t;
  BOOST_TEST(t.assign("\xF0\x9F\x9A\x80"));  // a 4-byte emoji does not fit at all
  BOOST_TEST(t.empty());
}

BOOST_AUTO_TEST_CASE(every_bound_of_mixed_text_matches_the_oracle) {
  const std::string text = "Motor \xC2\xB0 \xE2\x82\xAC \xF0\x9F\x9A\x80 rover";
  for (std::size_t bound = 0; bound <= text.size() + 1; ++bound) {
    const std::size_t n = utf8_prefix_length(text, bound);
    BOOST_TEST(n <= bound);
    BOOST_TEST(is_char_boundary(text, n));
    // Longest: no longer boundary prefix fits the bound.
    for (std::size_t m = n + 1; m <= std::min(bound, text.size()); ++m) BOOST_TEST(!is_char_boundary(text, m));
  }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_cut_at_capacity) {
  const std::string garbage(10, '\x80');  // continuation bytes only
  BOOST_TEST(utf8_prefix_length(garbage, 5) == 5u);
}

BOOST_AUTO_TEST_SUITE_END()
