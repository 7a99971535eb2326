#include "common/parse.h"

#include <charconv>

namespace antler {

bool parse_u32(std::string_view s, uint32_t* out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_ip(std::string_view s, uint32_t* ip) {
  uint32_t v = 0;
  size_t start = 0;
  for (int part = 0; part < 4; part++) {
    size_t end = part == 3 ? s.size() : s.find('.', start);
    if (end == std::string_view::npos) return false;
    uint32_t octet;
    if (end - start > 3 || !parse_u32(s.substr(start, end - start), &octet) || octet > 255) return false;
    v = (v << 8) | octet;
    start = end + 1;
  }
  *ip = v;
  return true;
}

bool parse_ip_range(const std::string& s, uint32_t* from, uint32_t* to, std::string* why) {
  *why = "'" + s + "' is not *, an IPv4 address, ADDRESS/BITS, ADDRESS/NETMASK or FROM-TO";
  if (s == "*") {
    *from = 0;
    *to = 0xFFFFFFFF;
    return true;
  }
  uint32_t ip = 0;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    if (!parse_ip(s.substr(0, slash), &ip)) return false;
    std::string m = s.substr(slash + 1);
    uint32_t mask = 0, bits = 0;
    if (m.find('.') != std::string::npos) {
      if (!parse_ip(m, &mask)) return false;
      if ((~mask & (~mask + 1)) != 0) {
        *why = "netmask '" + m + "' is not contiguous";
        return false;
      }
    } else {
      if (!parse_u32(m, &bits) || bits > 32) {
        *why = "'" + m + "' is not a prefix length (0..32)";
        return false;
      }
      mask = bits == 0 ? 0 : 0xFFFFFFFFu << (32 - bits);
    }
    *from = ip & mask;
    *to = *from | ~mask;
    return true;
  }
  if (auto dash = s.find('-'); dash != std::string::npos) {
    uint32_t last = 0;
    if (!parse_ip(s.substr(0, dash), &ip) || !parse_ip(s.substr(dash + 1), &last)) return false;
    if (last < ip) {
      *why = "range '" + s + "' ends before it starts";
      return false;
    }
    *from = ip;
    *to = last;
    return true;
  }
  if (!parse_ip(s, &ip)) return false;
  *from = *to = ip;
  return true;
}

bool parse_version(std::string_view s, uint32_t* out) {
  uint32_t parts[3] = {0, 0, 0};
  size_t start = 0;
  for (int i = 0; i < 3; i++) {
    size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    if (!parse_u32(s.substr(start, end - start), &parts[i]) || parts[i] > 255) return false;
    if (end == s.size()) break;
    if (i == 2) return false;
    start = end + 1;
  }
  *out = parts[0] << 16 | parts[1] << 8 | parts[2];
  return true;
}

bool parse_duration(std::string_view s, uint32_t* seconds) {
  if (s.empty()) return false;
  uint64_t total = 0, cur = 0;
  bool digits = false, any_unit = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + static_cast<uint64_t>(c - '0');
      digits = true;
      if (cur > 0xFFFFFFFFull) return false;
      continue;
    }
    uint64_t unit = c == 'w' ? 604800 : c == 'd' ? 86400 : c == 'h' ? 3600 : c == 'm' ? 60 : c == 's' ? 1 : 0;
    if (unit == 0 || !digits) return false;
    total += cur * unit;
    cur = 0;
    digits = false;
    any_unit = true;
  }
  if (digits) {
    if (any_unit) return false;  // "1d5": a number after units needs its unit
    total += cur;
  }
  if (total > 0xFFFFFFFFull) return false;
  *seconds = static_cast<uint32_t>(total);
  return true;
}

}  // namespace antler
