#pragma once
// FeedRecorder: a subscribed ClientFeed on a real Publisher, with a sink that
// writes nothing; drain() takes every message the feed would write now, as a
// session would, and keeps them as JSON (the changes of an alert_batch
// unpacked into one `alert` message each, in order).

#include "delivery/client_feed.hpp"
#include "delivery/publisher.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace rover_alerts::testing {

struct FeedRecorder : relay::FeedSink {
  explicit FeedRecorder(relay::Publisher& publisher) : feed(publisher, *this) {}

  void feed_ready() override { ++ready_calls; }
  void feed_too_slow(std::string_view why) override { too_slow = std::string(why); }

  // Everything due at `now` (default: far enough ahead that every batch timeout passed).
  std::vector<relay::ClientFeed::Outgoing> drain(
      relay::ClientFeed::Clock::time_point now = relay::ClientFeed::Clock::now() + std::chrono::hours(1)) {
    std::vector<relay::ClientFeed::Outgoing> out;
    while (auto next = feed.next(now)) {
      const boost::json::object message = boost::json::parse(*next->bytes).as_object();
      if (message.at("type").as_string() == "alert_batch") {
        ++batches;
        for (const auto& item : message.at("data").as_array())
          received.push_back(boost::json::object{{"type", "alert"}, {"data", item}});
      } else {
        received.push_back(message);
      }
      out.push_back(std::move(*next));
    }
    return out;
  }

  relay::ClientFeed feed;
  std::vector<boost::json::object> received;
  std::size_t batches = 0;
  std::size_t ready_calls = 0;
  std::string too_slow;
};

}  // namespace rover_alerts::testing
