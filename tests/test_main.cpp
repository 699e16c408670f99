// The one translation unit per test executable that defines Boost.Test's main.
#define BOOST_TEST_MODULE rover_alerts
#ifdef ROVER_ALERTS_TEST_HEADER_ONLY
#include <boost/test/included/unit_test.hpp>
#else
#include <boost/test/unit_test.hpp>
#endif
