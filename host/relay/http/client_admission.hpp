#pragma once
// Who may hold a connection on the client port: per-address caps on
// connections, and a pool of its own for WebSocket sessions that have not
// authenticated yet (they do not count against --max-clients; a stranger
// filling that pool keeps no operator out). Slots are RAII: a connection's
// slot moves from its HttpSession to the WebsocketSession it becomes, and an
// unauthenticated slot is given back on authentication or close.
//
// The maps hold an entry only while an address has a connection: bounded by
// the connection caps.

#include "relay_config.hpp"

#include <cstddef>
#include <map>
#include <string>

namespace rover_alerts::relay {

class ClientAdmission {
 public:
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(other.owner_), address_(std::move(other.address_)), pool_(other.pool_) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }
    void release();
    bool held() const { return owner_ != nullptr; }

   private:
    friend class ClientAdmission;
    enum class Pool : unsigned char { Connections, Unauthenticated };
    Slot(ClientAdmission* owner, std::string address, Pool pool) : owner_(owner), address_(std::move(address)), pool_(pool) {}
    ClientAdmission* owner_ = nullptr;
    std::string address_;
    Pool pool_ = Pool::Connections;
  };

  explicit ClientAdmission(const AdmissionLimits& limits) : limits_(limits) {}
  ClientAdmission(const ClientAdmission&) = delete;
  ClientAdmission& operator=(const ClientAdmission&) = delete;

  // A slot for a new connection from `address`; not held when the address is at its cap.
  Slot connect(const std::string& address);
  // A slot in the unauthenticated pool; not held when the pool or the address's share is full.
  Slot unauthenticated(const std::string& address);

  std::size_t connections_from(const std::string& address) const;
  std::size_t unauthenticated_sessions() const { return unauthenticated_; }

 private:
  void give_back(const std::string& address, Slot::Pool pool);

  const AdmissionLimits& limits_;
  std::map<std::string, std::size_t> connections_;
  std::map<std::string, std::size_t> unauthenticated_by_address_;
  std::size_t unauthenticated_ = 0;
};

}  // namespace rover_alerts::relay
