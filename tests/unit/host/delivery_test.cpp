#include "delivery/broadcaster.hpp"
#include "delivery/outbound_queue.hpp"
#include "delivery/subscription_filter.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace rover_alerts::relay;

namespace {

std::shared_ptr<const std::string> message(std::size_t bytes) {
  return std::make_shared<const std::string>(bytes, 'x');
}

struct FakeSubscriber : Subscriber {
  explicit FakeSubscriber(SubscriptionFilter f) : filter(std::move(f)) {}
  bool wants(Priority priority, std::string_view source) const override { return filter.matches(priority, source); }
  void deliver(std::shared_ptr<const std::string> m, Priority, std::uint64_t rev) override {
    received.push_back(std::move(m));
    revs.push_back(rev);
    if (on_deliver) on_deliver();
  }
  SubscriptionFilter filter;
  std::vector<std::shared_ptr<const std::string>> received;
  std::vector<std::uint64_t> revs;
  std::function<void()> on_deliver;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(outbound_queue)

BOOST_AUTO_TEST_CASE(droppable_messages_stop_at_the_soft_limit) {
  OutboundQueue queue({.soft_messages = 2, .soft_bytes = 1000, .hard_messages = 4, .hard_bytes = 4000});
  BOOST_TEST((queue.push(message(10), true) == OutboundQueue::PushResult::Queued));
  BOOST_TEST((queue.push(message(10), true) == OutboundQueue::PushResult::Queued));
  BOOST_TEST((queue.push(message(10), true) == OutboundQueue::PushResult::Dropped));
  BOOST_TEST(queue.size() == 2u);
  BOOST_TEST(queue.bytes() == 20u);
}

BOOST_AUTO_TEST_CASE(critical_messages_pass_the_soft_limit_until_the_hard_limit) {
  OutboundQueue queue({.soft_messages = 1, .soft_bytes = 1000, .hard_messages = 3, .hard_bytes = 4000});
  BOOST_TEST((queue.push(message(10), true) == OutboundQueue::PushResult::Queued));
  BOOST_TEST((queue.push(message(10), false) == OutboundQueue::PushResult::Queued));
  BOOST_TEST((queue.push(message(10), false) == OutboundQueue::PushResult::Queued));
  BOOST_TEST((queue.push(message(10), false) == OutboundQueue::PushResult::Overflow));
  BOOST_TEST((queue.push(message(10), true) == OutboundQueue::PushResult::Dropped));
  BOOST_TEST(queue.size() == 3u);
}

BOOST_AUTO_TEST_CASE(byte_limits_count_too) {
  OutboundQueue queue({.soft_messages = 100, .soft_bytes = 100, .hard_messages = 100, .hard_bytes = 250});
  BOOST_TEST((queue.push(message(60), true) == OutboundQueue::PushResult::Queued));
  BOOST_TEST((queue.push(message(60), true) == OutboundQueue::PushResult::Dropped));
  BOOST_TEST((queue.push(message(150), false) == OutboundQueue::PushResult::Queued));
  BOOST_TEST((queue.push(message(60), false) == OutboundQueue::PushResult::Overflow));
  BOOST_TEST(queue.bytes() == 210u);
  queue.pop_front();
  BOOST_TEST(queue.bytes() == 150u);
  BOOST_TEST(queue.front().size() == 150u);
}

BOOST_AUTO_TEST_CASE(drop_all_but_front_keeps_the_message_in_flight) {
  OutboundQueue queue({});
  queue.push(message(1), false);
  queue.push(message(2), false);
  queue.push(message(3), false);
  queue.drop_all_but_front();
  BOOST_TEST(queue.size() == 1u);
  BOOST_TEST(queue.bytes() == 1u);
  BOOST_TEST(queue.front().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(subscription_filter)

BOOST_AUTO_TEST_CASE(filters_by_priority_and_source) {
  BOOST_TEST(SubscriptionFilter().matches(Priority::Info, "anything"));
  const SubscriptionFilter filter({Priority::Critical, Priority::High}, {"power"});
  BOOST_TEST(filter.matches(Priority::Critical, "power"));
  BOOST_TEST(filter.matches(Priority::High, "power"));
  BOOST_TEST(!filter.matches(Priority::Medium, "power"));
  BOOST_TEST(!filter.matches(Priority::Critical, "nav"));
  const SubscriptionFilter any_source({Priority::Info}, {});
  BOOST_TEST(any_source.matches(Priority::Info, "nav"));
  BOOST_TEST(!any_source.matches(Priority::Low, "nav"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(broadcaster)

BOOST_AUTO_TEST_CASE(publishes_one_buffer_to_matching_subscribers) {
  Broadcaster broadcaster;
  auto all = std::make_shared<FakeSubscriber>(SubscriptionFilter());
  auto critical_only = std::make_shared<FakeSubscriber>(SubscriptionFilter({Priority::Critical}, {}));
  broadcaster.subscribe(all);
  broadcaster.subscribe(critical_only);

  const auto low = message(5);
  const auto critical = message(6);
  broadcaster.publish(low, Priority::Low, "power", 1);
  broadcaster.publish(critical, Priority::Critical, "power", 2);

  BOOST_TEST_REQUIRE(all->received.size() == 2u);
  BOOST_TEST(all->received[0].get() == low.get());  // the same buffer, not a copy
  BOOST_TEST(all->revs == (std::vector<std::uint64_t>{1, 2}));
  BOOST_TEST_REQUIRE(critical_only->received.size() == 1u);
  BOOST_TEST(critical_only->received[0].get() == critical.get());
}

BOOST_AUTO_TEST_CASE(gone_and_unsubscribed_sessions_get_nothing) {
  Broadcaster broadcaster;
  auto stays = std::make_shared<FakeSubscriber>(SubscriptionFilter());
  auto leaves = std::make_shared<FakeSubscriber>(SubscriptionFilter());
  broadcaster.subscribe(stays);
  broadcaster.subscribe(leaves);
  {
    auto dies = std::make_shared<FakeSubscriber>(SubscriptionFilter());
    broadcaster.subscribe(dies);
  }
  broadcaster.unsubscribe(leaves.get());
  broadcaster.publish(message(1), Priority::Info, "s", 1);
  BOOST_TEST(stays->received.size() == 1u);
  BOOST_TEST(leaves->received.empty());
}

BOOST_AUTO_TEST_CASE(a_subscriber_may_unsubscribe_while_being_delivered_to) {
  Broadcaster broadcaster;
  auto first = std::make_shared<FakeSubscriber>(SubscriptionFilter());
  auto second = std::make_shared<FakeSubscriber>(SubscriptionFilter());
  first->on_deliver = [&] { broadcaster.unsubscribe(first.get()); broadcaster.unsubscribe(second.get()); };
  second->on_deliver = first->on_deliver;
  broadcaster.subscribe(first);
  broadcaster.subscribe(second);
  broadcaster.publish(message(1), Priority::Info, "s", 1);
  BOOST_TEST(broadcaster.size() == 0u);
  broadcaster.publish(message(1), Priority::Info, "s", 2);
  BOOST_TEST(first->received.size() + second->received.size() <= 2u);
}

BOOST_AUTO_TEST_SUITE_END()
