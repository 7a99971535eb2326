// Export passwords: challenge-response, so that a password never crosses the
// wire. Both sides hold MD5(password) (the master may have only that, from
// md5pass= in mfsexports.cfg). The master sends a random nonce; the client
// answers HMAC-SHA256 keyed by MD5(password) over the nonce.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace antler::auth {

inline constexpr size_t kMd5Size = 16;
inline constexpr size_t kNonceSize = 32;
inline constexpr size_t kDigestSize = 32;

// MD5 of password: 16 raw bytes.
std::string md5(std::string_view password);
// 32 hexadecimal digits (either case) to 16 raw bytes; nullopt if malformed.
std::optional<std::string> from_hex(std::string_view hex);
std::string to_hex(std::string_view bytes);
// kNonceSize bytes from the kernel's random source.
std::string nonce();
// n bytes from the kernel's random source (getrandom).
std::string random_bytes(size_t n);
// a == b, in a time that does not depend on where they differ.
bool same(std::string_view a, std::string_view b);
// HMAC-SHA256(key = md5, message = nonce): kDigestSize raw bytes.
std::string response(std::string_view md5, std::string_view nonce);
// True iff digest is the right response; the comparison takes the same time
// whatever bytes differ.
bool verify(std::string_view md5, std::string_view nonce, std::string_view digest);

}  // namespace antler::auth
