// Chunk access tokens: the master's signature that a client (or a
// chunkserver replicating) may read or write one version of one chunk.
// Chunkservers refuse data-port requests without a valid one, so reaching a
// chunkserver's port is not enough to read or overwrite chunks by guessing
// their ids. A token is HMAC-SHA256, cut to 16 bytes, keyed by a key the
// master shares with its registered chunkservers, over the chunk id, its
// version and the mode; the token names its key. The master makes a new key
// every rotation period and chunkservers keep the newest two, so a token
// lives one to two periods: expiry without comparing clocks across hosts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace antler::token {

enum Mode : uint8_t { kRead = 1, kWrite = 2 };

inline constexpr size_t kKeySize = 32;
inline constexpr size_t kMacSize = 16;
inline constexpr size_t kTokenSize = 4 + 1 + kMacSize;  // key id, mode, mac

struct Key {
  uint32_t id = 0;     // > 0, increasing
  std::string secret;  // kKeySize bytes
};

// A new key with id, from the kernel's random source.
Key make_key(uint32_t id);
// The token for (chunk_id, version, mode) under key.
std::string sign(const Key& key, uint64_t chunk_id, uint32_t version, Mode mode);

// What a chunkserver holds: the newest keys the master gave it.
class Verifier {
 public:
  // Keeps k, and of the older keys only the newest one.
  void add(const Key& k);
  // Replaces every key (a new registration).
  void reset(const std::vector<Key>& keys);
  bool empty() const { return keys_.empty(); }
  // True when token is valid for (chunk_id, version, mode) under a key held;
  // compares in a time that does not depend on where a mac differs.
  bool check(std::string_view token, uint64_t chunk_id, uint32_t version, Mode mode) const;

 private:
  std::vector<Key> keys_;  // newest last, at most two
};

}  // namespace antler::token
