// Parsers for the small textual forms shared by config files and tools:
// numbers, IPv4 addresses and ranges, versions, durations. Each returns
// false on malformed input and leaves *out unchanged then.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace antler {

// Decimal digits only, fitting 32 bits.
bool parse_u32(std::string_view s, uint32_t* out);
// a.b.c.d, to host byte order.
bool parse_ip(std::string_view s, uint32_t* ip);
// An address form of mfsexports.cfg and mfstopology.cfg (*, a.b.c.d,
// a.b.c.d/BITS, a.b.c.d/m.m.m.m, a.b.c.d-e.f.g.h) as an inclusive range in
// host byte order; false with a one-line *why if malformed.
bool parse_ip_range(const std::string& s, uint32_t* from, uint32_t* to, std::string* why);
// "1.2.3" / "1.2" / "1" to MAJOR << 16 | MINOR << 8 | PATCH; false if malformed.
bool parse_version(std::string_view s, uint32_t* out);
// MooseFS time forms: plain seconds, or numbers with units w, d, h, m, s
// ("1d", "2h30m", "1w2d3h4m5s"); a number after a unit needs its own unit
// ("1d5" is refused). False if malformed or above 2^32-1 seconds.
bool parse_duration(std::string_view s, uint32_t* seconds);

}  // namespace antler
