// The master's side of chunk access tokens (common/chunk_token.h): the keys,
// made at start and every CHUNK_TOKEN_ROTATION seconds, and the tokens
// signed with the newest. With CHUNK_TOKENS = 0 tokens are empty and the
// chunkservers are told not to ask for them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/chunk_token.h"
#include "common/msg/master_cs.h"

namespace antler::master {

class TokenIssuer {
 public:
  TokenIssuer() { keys_.push_back(token::make_key(1)); }
  void set(bool on, int64_t rotation_ms) {
    on_ = on;
    rotation_ms_ = rotation_ms;
  }
  bool on() const { return on_; }
  // Makes a new key when the newest is a rotation old; true when it did
  // (new_key() is then to be sent to every chunkserver).
  bool rotate(int64_t now_ms) {
    if (made_ms_ == 0) made_ms_ = now_ms;
    if (now_ms - made_ms_ < rotation_ms_) return false;
    made_ms_ = now_ms;
    keys_.push_back(token::make_key(keys_.back().id + 1));
    if (keys_.size() > 2) keys_.erase(keys_.begin());
    return true;
  }
  msg::TokenKey new_key() const { return {keys_.back().id, keys_.back().secret}; }
  // The keys a registering chunkserver gets (the newest two).
  std::vector<msg::TokenKey> keys() const {
    std::vector<msg::TokenKey> out;
    for (const token::Key& k : keys_) out.push_back({k.id, k.secret});
    return out;
  }
  std::string sign(uint64_t chunk_id, uint32_t version, token::Mode mode) const {
    return on_ && chunk_id != 0 ? token::sign(keys_.back(), chunk_id, version, mode) : std::string();
  }

 private:
  bool on_ = true;
  int64_t rotation_ms_ = 600000;
  int64_t made_ms_ = 0;
  std::vector<token::Key> keys_;  // newest last, at most two
};

}  // namespace antler::master
