#include "http/client_admission.hpp"

namespace rover_alerts::relay {

ClientAdmission::Slot& ClientAdmission::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    address_ = std::move(other.address_);
    pool_ = other.pool_;
    other.owner_ = nullptr;
  }
  return *this;
}

void ClientAdmission::Slot::release() {
  if (owner_ == nullptr) return;
  owner_->give_back(address_, pool_);
  owner_ = nullptr;
}

ClientAdmission::Slot ClientAdmission::connect(const std::string& address) {
  auto& n = connections_[address];
  if (n >= limits_.max_connections_per_address) {
    if (n == 0) connections_.erase(address);
    return {};
  }
  ++n;
  return {this, address, Slot::Pool::Connections};
}

ClientAdmission::Slot ClientAdmission::unauthenticated(const std::string& address) {
  if (unauthenticated_ >= limits_.max_unauthenticated) return {};
  auto& n = unauthenticated_by_address_[address];
  if (n >= limits_.max_unauthenticated_per_address) {
    if (n == 0) unauthenticated_by_address_.erase(address);
    return {};
  }
  ++n;
  ++unauthenticated_;
  return {this, address, Slot::Pool::Unauthenticated};
}

std::size_t ClientAdmission::connections_from(const std::string& address) const {
  const auto it = connections_.find(address);
  return it == connections_.end() ? 0 : it->second;
}

void ClientAdmission::give_back(const std::string& address, Slot::Pool pool) {
  auto& counts = pool == Slot::Pool::Connections ? connections_ : unauthenticated_by_address_;
  const auto it = counts.find(address);
  if (it == counts.end()) return;
  if (--it->second == 0) counts.erase(it);
  if (pool == Slot::Pool::Unauthenticated) --unauthenticated_;
}

}  // namespace rover_alerts::relay
