// Chunk access tokens on the chunkserver (common/chunk_token.h): the keys
// the master gave this server, and whether the data port must ask for a
// token at all (the master's CHUNK_TOKENS). Shared by the master link, which
// fills it, and the data port's connection threads, which ask it.
#pragma once

#include <mutex>
#include <string_view>
#include <vector>

#include "common/chunk_token.h"
#include "common/msg/master_cs.h"

namespace antler::cs {

class TokenGate {
 public:
  // A registration: whether tokens are required, and the master's keys.
  void reset(bool required, const std::vector<msg::TokenKey>& keys) {
    std::vector<token::Key> ks;
    for (const auto& k : keys) ks.push_back({k.id, k.secret});
    std::lock_guard lk(mu_);
    required_ = required;
    keys_.reset(ks);
  }
  // The master rotated its key.
  void add(const msg::TokenKey& k) {
    if (k.secret.size() != token::kKeySize) return;
    std::lock_guard lk(mu_);
    keys_.add({k.id, k.secret});
  }
  // Until the first registration tokens are required and no key is known:
  // nothing is served before the master has spoken.
  bool allows(std::string_view t, uint64_t chunk_id, uint32_t version, token::Mode mode) const {
    std::lock_guard lk(mu_);
    return !required_ || keys_.check(t, chunk_id, version, mode);
  }

 private:
  mutable std::mutex mu_;
  bool required_ = true;
  token::Verifier keys_;
};

}  // namespace antler::cs
