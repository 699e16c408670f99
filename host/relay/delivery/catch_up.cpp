#include "delivery/catch_up.hpp"

#include "protocol/alert_json.hpp"
#include "protocol/flatbuffers_encoding.hpp"

#include <limits>

namespace rover_alerts::relay {

CatchUp CatchUp::snapshot(std::uint64_t committed_rev) { return CatchUp(0, committed_rev, true, false); }

CatchUp CatchUp::since(const AlertStore& store, std::uint64_t since_rev, std::uint64_t committed_rev) {
  // A rev the relay never gave out (urgent changes go out before their
  // commit, so up to the store's rev), or removals already forgotten: start over.
  if (since_rev > store.rev() || since_rev < store.history_floor_rev()) return CatchUp(0, committed_rev, true, true);
  return CatchUp(since_rev, 0, false, false);
}

CatchUp::Page CatchUp::next_page(const AlertStore& store, std::uint64_t committed_rev,
                                 const SubscriptionFilter& filter, std::size_t max_entries, std::uint64_t batch_id, bool flatbuffers) {
  Page page;
  SyncQuery query;
  query.since_rev = cursor_;
  query.include_acknowledged = true;
  query.priorities = filter.priorities();
  query.max_count = max_entries;
  query.up_to_rev = committed_rev;
  query.removals_after = removals_after_;
  const SyncPage entries = store.changes_since(query);
  page.entries_read = entries.alerts.size() + entries.removed.size() + 1;  // + the read itself
  if (entries.reset) {
    // Only when history was pruned past what the walk still needs.
    page.history_lost = true;
    page.done = done_ = true;
    return page;
  }

  // JSON objects, or FlatBuffers AlertChange blobs.
  std::vector<std::string> items;
  items.reserve(entries.alerts.size() + entries.removed.size());
  const ChangeType present = snapshot_ ? ChangeType::New : ChangeType::Update;
  for_each_in_rev_order(
      entries,
      [&](const Alert& alert) {
        if (!filter.matches(alert.priority, alert.source)) return;
        items.push_back(flatbuffers ? encode_change_flatbuffer(present, alert) : encode_change_json(present, alert));
      },
      [&](const Tombstone& tombstone) {
        if (!filter.matches(tombstone.priority, tombstone.source)) return;
        items.push_back(flatbuffers ? encode_change_flatbuffer(tombstone) : encode_change_json(tombstone));
      });
  if (!items.empty()) {
    const std::vector<std::string_view> views(items.begin(), items.end());
    page.message = std::make_shared<const std::string>(flatbuffers ? flatbuffers_batch_frame(batch_id, views)
                                                                   : alert_batch_message(batch_id, views));
  }
  page.changes = items.size();
  cursor_ = entries.rev;
  page.done = done_ = !entries.more && cursor_ >= committed_rev;
  return page;
}

}  // namespace rover_alerts::relay
