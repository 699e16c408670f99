// The non-template parts of Asio (with its TLS support) and Beast (HTTP
// parser, WebSocket framing, its zlib for permessage-deflate), compiled once
// for every program of the ground station. See CMakeLists.txt.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
