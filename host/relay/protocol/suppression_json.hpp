#pragma once
// Shelves and out-of-service rules as the protocol shows them (protocol.md
// "Shelving and out of service"):
//   shelf          {"by","reason","at","until","oneShot","scope":"alert"|"key"}
//   out of service {"scope":"rover"|"source","value","by","reason","at"}
// inside an alert (`shelved`, `outOfService`), in the `suppressions` list
// every client gets when a key shelf or a rule changes, and in the
// `shelve_expiring` notice that goes out shortly before a shelf ends.

#include "protocol/json_writer.hpp"
#include "store/alert_store.hpp"
#include "store/suppression.hpp"

#include <string>

namespace rover_alerts::relay {

void write_shelf(JsonWriter& out, const Shelf& shelf);
void write_out_of_service(JsonWriter& out, const OutOfService& rule);

// {"keyShelves":[{"rover"?,"key","shelved":{…}}…],"outOfService":[{…}…]}: the
// `result` of suppression_list; with `type` "suppressions" the notice.
std::string suppressions_json(const AlertStore& store, bool as_notice);

// {"type":"shelve_expiring","alertId"?,"rover"?,"key","until","shelved":{…}}
std::string shelve_expiring_message(const ShelfEnded& shelf);

}  // namespace rover_alerts::relay
