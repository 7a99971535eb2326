#include "common/chunk_token.h"

#include <nettle/hmac.h>

#include <algorithm>
#include <cstring>

#include "common/auth.h"

namespace antler::token {
namespace {

void put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; i++) s.push_back(static_cast<char>(v >> (8 * i)));
}

std::string mac(const Key& key, uint64_t chunk_id, uint32_t version, Mode mode) {
  uint8_t msg[8 + 4 + 1 + 4];
  for (int i = 0; i < 8; i++) msg[i] = static_cast<uint8_t>(chunk_id >> (8 * i));
  for (int i = 0; i < 4; i++) msg[8 + i] = static_cast<uint8_t>(version >> (8 * i));
  msg[12] = mode;
  for (int i = 0; i < 4; i++) msg[13 + i] = static_cast<uint8_t>(key.id >> (8 * i));
  hmac_sha256_ctx ctx;
  hmac_sha256_set_key(&ctx, key.secret.size(), reinterpret_cast<const uint8_t*>(key.secret.data()));
  hmac_sha256_update(&ctx, sizeof(msg), msg);
  uint8_t out[SHA256_DIGEST_SIZE];
  hmac_sha256_digest(&ctx, sizeof(out), out);
  return std::string(reinterpret_cast<const char*>(out), kMacSize);
}

}  // namespace

Key make_key(uint32_t id) { return Key{id, auth::random_bytes(kKeySize)}; }

std::string sign(const Key& key, uint64_t chunk_id, uint32_t version, Mode mode) {
  std::string t;
  t.reserve(kTokenSize);
  put32(t, key.id);
  t.push_back(static_cast<char>(mode));
  t += mac(key, chunk_id, version, mode);
  return t;
}

void Verifier::add(const Key& k) {
  if (std::any_of(keys_.begin(), keys_.end(), [&](const Key& h) { return h.id == k.id; })) return;
  keys_.push_back(k);
  std::sort(keys_.begin(), keys_.end(), [](const Key& a, const Key& b) { return a.id < b.id; });
  if (keys_.size() > 2) keys_.erase(keys_.begin(), keys_.end() - 2);
}

void Verifier::reset(const std::vector<Key>& keys) {
  keys_.clear();
  for (const Key& k : keys)
    if (k.secret.size() == kKeySize) add(k);
}

bool Verifier::check(std::string_view token, uint64_t chunk_id, uint32_t version, Mode mode) const {
  if (token.size() != kTokenSize || static_cast<uint8_t>(token[4]) != mode) return false;
  uint32_t id = 0;
  for (int i = 0; i < 4; i++) id |= uint32_t{static_cast<uint8_t>(token[i])} << (8 * i);
  for (const Key& k : keys_)
    if (k.id == id) return auth::same(token.substr(5), mac(k, chunk_id, version, mode));
  return false;
}

}  // namespace antler::token
