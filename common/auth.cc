#include "common/auth.h"

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>

namespace antler::auth {

namespace {
const uint8_t* bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
}  // namespace

std::string md5(std::string_view password) {
  md5_ctx ctx;
  md5_init(&ctx);
  md5_update(&ctx, password.size(), bytes(password));
  std::string out(MD5_DIGEST_SIZE, '\0');
  md5_digest(&ctx, out.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() != 2 * kMd5Size) return std::nullopt;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int a = val(hex[i]), b = val(hex[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out += static_cast<char>(a * 16 + b);
  }
  return out;
}

std::string to_hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string nonce() { return random_bytes(kNonceSize); }

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::getrandom(out.data() + got, out.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("getrandom failed");
    got += static_cast<size_t>(n);
  }
  return out;
}

std::string response(std::string_view md5, std::string_view nonce) {
  hmac_sha256_ctx ctx;
  hmac_sha256_set_key(&ctx, md5.size(), bytes(md5));
  hmac_sha256_update(&ctx, nonce.size(), bytes(nonce));
  std::string out(SHA256_DIGEST_SIZE, '\0');
  hmac_sha256_digest(&ctx, out.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

bool verify(std::string_view md5, std::string_view nonce, std::string_view digest) {
  if (digest.size() != kDigestSize) return false;
  std::string want = response(md5, nonce);
  return memeql_sec(want.data(), digest.data(), kDigestSize) != 0;
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || memeql_sec(a.data(), b.data(), a.size()) != 0);
}

}  // namespace antler::auth
