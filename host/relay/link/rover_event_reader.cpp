#include "link/rover_event_reader.hpp"

#include "link/utf8_repair.hpp"

namespace rover_alerts::relay {

namespace {

class FieldReader {
 public:
  FieldReader(const LinkLimits& limits, FieldRepairs& repairs) : limits_(limits), repairs_(repairs) {}

  std::string text(const flatbuffers::String* s, std::size_t max_bytes) {
    if (s == nullptr) return {};
    Utf8Repair r = repair_utf8(s->string_view(), max_bytes);
    repairs_.invalid_utf8 += r.replaced ? 1 : 0;
    repairs_.truncated += r.truncated ? 1 : 0;
    return std::move(r.text);
  }

  // Key/value pairs within the entry count and the byte budget (keys and
  // values together); later duplicates win, entries past a limit are dropped.
  std::map<std::string, std::string> pairs(const flatbuffers::Vector<flatbuffers::Offset<link::KeyValue>>* in) {
    std::map<std::string, std::string> map;
    if (in == nullptr) return map;
    const RequestFieldLimits& f = limits_.fields;
    std::size_t bytes = 0;
    for (const auto* pair : *in) {
      std::string key = text(pair->key(), f.max_metadata_bytes);
      std::string value = text(pair->value(), f.max_metadata_bytes);
      if ((map.size() >= f.max_metadata_entries && map.find(key) == map.end()) ||
          bytes + key.size() + value.size() > f.max_metadata_bytes) {
        ++repairs_.truncated;
        continue;
      }
      bytes += key.size() + value.size();
      map[std::move(key)] = std::move(value);
    }
    return map;
  }

 private:
  const LinkLimits& limits_;
  FieldRepairs& repairs_;
};

RoverEventKind kind_of(link::EventKind kind) {
  switch (kind) {
    case link::EventKind::Raise: return RoverEventKind::Raise;
    case link::EventKind::Update: return RoverEventKind::Update;
    case link::EventKind::Clear: return RoverEventKind::Clear;
  }
  return RoverEventKind::Raise;
}

}  // namespace

RoverEvent read_rover_event(const link::AlertEvent& event, const LinkLimits& limits, FieldRepairs& repairs) {
  const RequestFieldLimits& f = limits.fields;
  FieldReader read(limits, repairs);
  RoverEvent out;
  out.kind = kind_of(event.kind());
  out.key = read.text(event.key(), limits.max_key_bytes);
  // An enum value outside the schema (a newer rover) counts as least urgent.
  const auto priority = static_cast<std::uint8_t>(event.priority());
  out.priority = priority < kPriorityCount ? static_cast<Priority>(priority) : Priority::Info;
  out.source = read.text(event.source(), f.max_source_bytes);
  out.title = read.text(event.title(), f.max_title_bytes);
  out.message = read.text(event.message(), f.max_message_bytes);
  if (const auto* action = event.action()) {
    out.action = AlertAction{read.text(action->label(), f.max_title_bytes),
                             read.text(action->action_type(), limits.max_key_bytes), read.pairs(action->parameters())};
  }
  out.metadata = read.pairs(event.metadata());
  out.group_id = read.text(event.group_id(), f.max_group_id_bytes);
  out.persistent = event.persistent();
  out.closable = event.closable();
  out.expires_at_ms = event.expires_at_ms();
  out.raised_at_ms = event.raised_at_ms();
  out.last_seen_ms = event.last_seen_ms();
  out.occurrences = event.occurrences();
  return out;
}

}  // namespace rover_alerts::relay
