#pragma once
// ChangeView: the relay's stream as a test reads it change by change. Each
// change of an `alert_batch` becomes its own `{"type":"alert","data":…}`
// message, `catch_up_complete` is counted rather than returned, anything else
// (and binary frames) passes through as it is.

#include <boost/json.hpp>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

namespace rover_alerts::testing {

class ChangeView {
 public:
  // `read_frame()` returns the next message (nullopt: closed or timed out)
  // and `binary()` whether it was a binary one.
  template <class ReadFrame, class Binary>
  std::optional<std::string> next(ReadFrame&& read_frame, Binary&& binary) {
    while (pending_.empty()) {
      auto message = read_frame();
      if (!message || binary()) return message;
      if (message->starts_with(R"({"type":"catch_up_complete")")) {
        ++catch_ups_complete_;
        continue;
      }
      if (!message->starts_with(R"({"type":"alert_batch")")) return message;
      ++batches_;
      const boost::json::value batch = boost::json::parse(*message);
      for (const auto& change : batch.at("data").as_array())
        pending_.push_back(boost::json::serialize(boost::json::object{{"type", "alert"}, {"data", change}}));
    }
    std::string next = std::move(pending_.front());
    pending_.pop_front();
    return next;
  }

  std::size_t catch_ups_complete() const { return catch_ups_complete_; }
  std::size_t batches() const { return batches_; }

 private:
  std::deque<std::string> pending_;
  std::size_t catch_ups_complete_ = 0;
  std::size_t batches_ = 0;
};

}  // namespace rover_alerts::testing
