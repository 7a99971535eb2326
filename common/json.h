// A JSON value to build and print: what mfscli -j prints, and what the other
// machine-read outputs (health, the HA admin command) will print. Objects
// keep their keys in insertion order, so output is stable and diffable.
// Numbers keep their C++ kind: counters and sizes print in full (no
// rounding through double), doubles with up to 17 significant digits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace antler {

class Json {
 public:
  Json() = default;                                    // null
  Json(bool b) : kind_(Kind::kBool), u_(b ? 1 : 0) {}  // NOLINT(google-explicit-constructor)
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Json(T v) {  // NOLINT(google-explicit-constructor)
    if constexpr (std::is_signed_v<T>) kind_ = Kind::kInt, i_ = v;
    else kind_ = Kind::kUint, u_ = v;
  }
  Json(double d) : kind_(Kind::kDouble), d_(d) {}                  // NOLINT(google-explicit-constructor)
  Json(std::string s) : kind_(Kind::kString), s_(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  Json(std::string_view s) : kind_(Kind::kString), s_(s) {}        // NOLINT(google-explicit-constructor)
  Json(const char* s) : kind_(Kind::kString), s_(s) {}             // NOLINT(google-explicit-constructor)

  static Json object() { return Json(Kind::kObject); }
  static Json array() { return Json(Kind::kArray); }

  // An object's member: sets (or replaces) key and returns the stored value,
  // so nested objects can be filled in place.
  Json& set(std::string_view key, Json v);
  // An array's next element; returns it.
  Json& push(Json v);

  size_t size() const { return kind_ == Kind::kObject ? members_.size() : items_.size(); }
  // The member named key, or nullptr (also when this is not an object).
  const Json* find(std::string_view key) const;

  // Compact when indent < 0; else pretty, indent spaces per level. Ends
  // without a newline.
  std::string dump(int indent = -1) const;

 private:
  enum class Kind : uint8_t { kNull, kBool, kInt, kUint, kDouble, kString, kArray, kObject };
  explicit Json(Kind k) : kind_(k) {}
  void write(std::string& out, int indent, int depth) const;

  Kind kind_ = Kind::kNull;
  int64_t i_ = 0;
  uint64_t u_ = 0;
  double d_ = 0;
  std::string s_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

// s as a JSON string literal, quotes included; bytes that are not valid
// UTF-8 become U+FFFD so the output always parses.
std::string json_quote(std::string_view s);

}  // namespace antler
