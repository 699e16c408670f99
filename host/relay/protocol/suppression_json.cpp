#include "protocol/suppression_json.hpp"

namespace rover_alerts::relay {

void write_shelf(JsonWriter& out, const Shelf& shelf) {
  out.begin_object();
  out.member("by", shelf.by);
  out.member("reason", shelf.reason);
  out.member("at", shelf.at_ms);
  out.member("until", shelf.until_ms);
  out.member("oneShot", shelf.one_shot);
  out.member("scope", shelf.by_key ? "key" : "alert");
  out.end_object();
}

void write_out_of_service(JsonWriter& out, const OutOfService& rule) {
  out.begin_object();
  out.member("scope", to_string(rule.scope));
  out.member("value", rule.value);
  out.member("by", rule.by);
  out.member("reason", rule.reason);
  out.member("at", rule.at_ms);
  out.end_object();
}

std::string suppressions_json(const AlertStore& store, bool as_notice) {
  std::string text;
  JsonWriter out(text);
  out.begin_object();
  if (as_notice) out.member("type", "suppressions");
  out.key("keyShelves").begin_array();
  for (const auto& [target, shelf] : store.key_shelves()) {
    out.begin_object();
    if (!target.first.empty()) out.member("rover", target.first);
    out.member("key", target.second);
    write_shelf(out.key("shelved"), shelf);
    out.end_object();
  }
  out.end_array();
  out.key("outOfService").begin_array();
  for (const auto& [target, rule] : store.out_of_service_rules()) write_out_of_service(out, rule);
  out.end_array();
  out.end_object();
  return text;
}

std::string shelve_expiring_message(const ShelfEnded& shelf) {
  std::string text;
  JsonWriter out(text);
  out.begin_object();
  out.member("type", "shelve_expiring");
  if (!shelf.alert_id.empty()) out.member("alertId", shelf.alert_id);
  if (!shelf.rover.empty()) out.member("rover", shelf.rover);
  out.member("key", shelf.key);
  out.member("until", shelf.shelf.until_ms);
  write_shelf(out.key("shelved"), shelf.shelf);
  out.end_object();
  return text;
}

}  // namespace rover_alerts::relay
