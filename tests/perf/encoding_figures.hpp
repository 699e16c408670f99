#pragma once
// What each client encoding costs on the wire, from a 100-alert batch encoded
// by the relay's own code: bytes per delivered change for JSON, lz4,
// permessage-deflate (the relay's default window and level) and FlatBuffers,
// and the size reduction of lz4 and deflate. No relay process is involved.

#include <boost/json/object.hpp>

namespace rover_alerts::bench {

void put_encoding_figures(boost::json::object& out);

}  // namespace rover_alerts::bench
