#include "common/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace antler {

Json& Json::set(std::string_view key, Json v) {
  for (auto& [k, val] : members_)
    if (k == key) return val = std::move(v);
  members_.emplace_back(std::string(key), std::move(v));
  return members_.back().second;
}

Json& Json::push(Json v) {
  items_.push_back(std::move(v));
  return items_.back();
}

const Json* Json::find(std::string_view key) const {
  for (const auto& [k, val] : members_)
    if (k == key) return &val;
  return nullptr;
}

namespace {

// The length of the valid UTF-8 sequence at s[i], or 0.
size_t utf8_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; k++)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 3 && ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) >= 0xA0))) return 0;  // overlong, surrogate
  if (n == 4 && ((c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) >= 0x90))) return 0;  // overlong, > U+10FFFF
  return n;
}

void newline(std::string& out, int indent, int depth) {
  if (indent < 0) return;
  out += '\n';
  out.append(static_cast<size_t>(indent) * static_cast<size_t>(depth), ' ');
}

}  // namespace

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_len(s, i);
      if (n == 0) out += "\xEF\xBF\xBD", i++;
      else out.append(s.substr(i, n)), i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += static_cast<char>(c);
        }
    }
    i++;
  }
  return out + "\"";
}

void Json::write(std::string& out, int indent, int depth) const {
  switch (kind_) {
    case Kind::kNull: out += "null"; return;
    case Kind::kBool: out += u_ ? "true" : "false"; return;
    case Kind::kInt: out += std::to_string(i_); return;
    case Kind::kUint: out += std::to_string(u_); return;
    case Kind::kDouble: {
      if (!std::isfinite(d_)) {  // JSON has no NaN or infinity
        out += "null";
        return;
      }
      char b[32];
      std::snprintf(b, sizeof b, "%.17g", d_);
      // the shortest form that reads back the same
      for (int p = 1; p < 17; p++) {
        char t[32];
        std::snprintf(t, sizeof t, "%.*g", p, d_);
        if (std::strtod(t, nullptr) == d_) {
          std::snprintf(b, sizeof b, "%s", t);
          break;
        }
      }
      out += b;
      return;
    }
    case Kind::kString: out += json_quote(s_); return;
    case Kind::kArray:
    case Kind::kObject: {
      bool array = kind_ == Kind::kArray;
      size_t n = array ? items_.size() : members_.size();
      out += array ? '[' : '{';
      for (size_t i = 0; i < n; i++) {
        if (i) out += ',';
        newline(out, indent, depth + 1);
        if (!array) {
          out += json_quote(members_[i].first);
          out += indent < 0 ? ":" : ": ";
        }
        (array ? items_[i] : members_[i].second).write(out, indent, depth + 1);
      }
      if (n) newline(out, indent, depth);
      out += array ? ']' : '}';
      return;
    }
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  write(out, indent, 0);
  return out;
}

}  // namespace antler
