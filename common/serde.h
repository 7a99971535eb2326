// One generic binary codec for every message.
//
// A message is a plain struct that lists its fields with ANTLER_FIELDS(...).
// Encoding is little-endian; strings and vectors carry a u32 count; nested
// structs carry a u32 byte length so they can grow too.
//
// Compatibility rules (see docs/protocol.md):
//  - fields are only ever appended;
//  - a reader that runs out of bytes exactly at a field boundary keeps the
//    remaining fields at their defaults;
//  - bytes after the last known field are skipped.
// Every byte is hostile: counts are bounded by the bytes that remain before
// anything is allocated, and a malformed input yields false, never a crash.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#define ANTLER_FIELDS(...)                        \
  auto fields() { return std::tie(__VA_ARGS__); } \
  auto fields() const { return std::tie(__VA_ARGS__); }

namespace antler::serde {

template <class T>
concept HasFields = requires(T t) {
  t.fields();
};

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  template <class T>
  void put(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      uint8_t b = v ? 1 : 0;
      raw(&b, 1);
    } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
      // x86-64 and aarch64 are little-endian; the wire is little-endian.
      raw(&v, sizeof(T));
    } else if constexpr (std::is_same_v<T, std::string>) {
      put(static_cast<uint32_t>(v.size()));
      raw(v.data(), v.size());
    } else if constexpr (HasFields<T>) {
      size_t at = out_.size();
      put(uint32_t{0});
      std::apply([this](const auto&... f) { (this->put(f), ...); }, v.fields());
      uint32_t len = static_cast<uint32_t>(out_.size() - at - 4);
      std::memcpy(&out_[at], &len, 4);
    } else {
      put_vector(v);
    }
  }

 private:
  template <class E>
  void put_vector(const std::vector<E>& v) {
    put(static_cast<uint32_t>(v.size()));
    for (const auto& e : v) put(e);
  }
  std::string& out_;
};

class Reader {
 public:
  Reader(const char* p, size_t n) : p_(p), end_(p + n) {}
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  bool raw(void* dst, size_t n) {
    if (left() < n) return false;
    std::memcpy(dst, p_, n);
    p_ += n;
    return true;
  }
  template <class T>
  bool get(T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      uint8_t b;
      if (!raw(&b, 1) || b > 1) return false;
      v = b != 0;
      return true;
    } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
      return raw(&v, sizeof(T));
    } else if constexpr (std::is_same_v<T, std::string>) {
      uint32_t n;
      if (!get(n) || n > left()) return false;
      v.assign(p_, n);
      p_ += n;
      return true;
    } else if constexpr (HasFields<T>) {
      uint32_t n;
      if (!get(n) || n > left()) return false;
      Reader sub(p_, n);
      p_ += n;
      return sub.get_fields(v);
    } else {
      return get_vector(v);
    }
  }
  // Reads v's fields in order; stops cleanly (defaults kept) when the input
  // ends at a field boundary; ignores trailing unknown bytes.
  template <class T>
  bool get_fields(T& v) {
    bool ok = true;
    std::apply([&](auto&... f) { ((ok = ok && (left() == 0 || get(f))), ...); }, v.fields());
    return ok;
  }

 private:
  template <class E>
  bool get_vector(std::vector<E>& v) {
    uint32_t n;
    if (!get(n)) return false;
    // Every element takes at least one byte: bound before allocating.
    if (n > left()) return false;
    v.clear();
    v.reserve(n);
    for (uint32_t i = 0; i < n; i++) {
      E e{};
      if (!get(e)) return false;
      v.push_back(std::move(e));
    }
    return true;
  }
  const char* p_;
  const char* end_;
};

// Body of a message: its fields, back to back, without an outer length.
template <class T>
void encode_body(const T& msg, std::string& out) {
  Writer w(out);
  std::apply([&](const auto&... f) { (w.put(f), ...); }, msg.fields());
}

template <class T>
bool decode_body(std::string_view in, T& msg) {
  Reader r(in.data(), in.size());
  return r.get_fields(msg);
}

}  // namespace antler::serde
