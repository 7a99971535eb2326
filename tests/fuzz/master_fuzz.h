// The input of master_fuzz (master_fuzz.cc): the grammar that turns its
// bytes into records (requests, chunkserver answers, disconnections), the
// connections it speaks on, and writers of the same records, for the seed
// inputs (master_fuzz_seeds.cc).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "common/messages.h"
#include "daemons/master/fs/acl.h"

namespace antler::master::fuzz {

// The input, read front to back; past its end every read is zero.
class In {
 public:
  In(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  bool empty() const { return p_ == end_; }
  uint8_t byte() { return p_ < end_ ? *p_++ : 0; }
  std::string bytes(size_t n) {
    n = std::min(n, static_cast<size_t>(end_ - p_));
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  template <class T>
  T raw() {
    unsigned char b[sizeof(T)] = {};
    size_t n = std::min(sizeof(T), static_cast<size_t>(end_ - p_));
    std::memcpy(b, p_, n);
    p_ += n;
    T v;
    std::memcpy(&v, b, sizeof(T));
    return v;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// The same grammar, written: builds seed inputs.
class Out {
 public:
  void byte(uint8_t b) { s_.push_back(static_cast<char>(b)); }
  template <class T>
  void raw(T v) {
    s_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void bytes(std::string_view b) { s_.append(b); }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// Numbers a handler treats specially: limits of the field types, of file
// lengths (2^52), chunk slots (2^26), chunk size, modes, ids of the exports.
inline constexpr uint64_t kEdges[] = {~0ull,
                                      ~0ull - 1,
                                      1ull << 63,
                                      (1ull << 63) - 1,
                                      1ull << 52,
                                      (1ull << 52) + 1,
                                      (1ull << 52) - 1,
                                      (1ull << 52) - (64ull << 20),
                                      0xFFFFFFFF,
                                      0xFFFFFFFE,
                                      0x80000000,
                                      0x7FFFFFFF,
                                      1u << 26,
                                      (1u << 26) - 1,
                                      64u << 20,
                                      (64u << 20) + 1,
                                      (64u << 20) - 1,
                                      128u << 20,
                                      65536,
                                      65535,
                                      65537,
                                      65000,
                                      4096,
                                      4097,
                                      8192,
                                      1000,
                                      999,
                                      07777,
                                      0644,
                                      0755,
                                      0777,
                                      04755,
                                      02775,
                                      01777,
                                      0xFFFF,
                                      255,
                                      256,
                                      3600,
                                      86400,
                                      7200};

// Strings handlers treat specially: names of the tree, ".", "..", names at
// and past the length limits, xattr namespaces, ACLs in their xattr form,
// exports folders, the export password.
inline const std::vector<std::string>& string_pool() {
  static const std::vector<std::string> pool = [] {
    std::vector<std::string> p = {"a",
                                  "x",
                                  "y",
                                  "sub",
                                  "d",
                                  "f",
                                  "n",
                                  "m",
                                  "pub",
                                  "priv",
                                  "s",
                                  "hx",
                                  ".",
                                  "..",
                                  "",
                                  "/",
                                  "/sub",
                                  "/sub/d",
                                  "/pub",
                                  "/priv",
                                  "/x",
                                  "/..",
                                  "sub/../x",
                                  "a/b",
                                  "../x",
                                  "/x/../..",
                                  std::string(255, 'n'),
                                  std::string(256, 'n'),
                                  std::string(4096, 't'),
                                  std::string(4097, 't'),
                                  "user.a",
                                  "user.b",
                                  "trusted.t",
                                  "security.s",
                                  "security.capability",
                                  "system.posix_acl_access",
                                  "system.posix_acl_default",
                                  "system.x",
                                  "user.",
                                  "user." + std::string(251, 'u'),
                                  "user." + std::string(252, 'u'),
                                  std::string(65536, 'v'),
                                  std::string(65537, 'v'),
                                  "secret",
                                  std::string(32, '\0'),
                                  std::string("a\0b", 3),
                                  std::string(1, '\xff'),
                                  "n,%(x)",
                                  "name\nwith newline"};
    for (const char* text : {"u::rwx/g::r-x/o::---", "u::rwx/u:5:r-x/g::r-x/g:7:rwx/m::r-x/o::---",
                             "u::rw-/u:1000:rwx/g::---/m::rwx/o::r--", "u::---/g::---/o::---"}) {
      if (auto acl = acl_from_text(text)) p.push_back(acl_to_xattr(*acl));
    }
    return p;
  }();
  return pool;
}

template <class T>
void gen(In& in, T& v);

template <class T>
void gen_fields(In& in, T& v) {
  std::apply([&](auto&... f) { (gen(in, f), ...); }, v.fields());
}

template <class T>
void gen(In& in, T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    v = in.byte() & 1;
  } else if constexpr (std::is_enum_v<T>) {
    std::underlying_type_t<T> u;
    gen(in, u);
    v = static_cast<T>(u);
  } else if constexpr (std::is_integral_v<T>) {
    uint8_t sel = in.byte();
    if (sel < 0x80) v = static_cast<T>(sel);
    else if (sel < 0xC0) v = static_cast<T>(kEdges[(sel - 0x80) % std::size(kEdges)]);
    else v = in.raw<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    uint8_t sel = in.byte();
    const auto& pool = string_pool();
    if (sel < 0xC0) v = pool[sel % pool.size()];
    else v = in.bytes(in.byte());
  } else if constexpr (serde::HasFields<T>) {
    gen_fields(in, v);
  } else {  // std::vector
    v.resize(in.byte() % 10);
    for (auto& e : v) gen(in, e);
  }
}

template <class T>
void put(Out& o, const T& v);

template <class T>
void put_fields(Out& o, const T& v) {
  std::apply([&](const auto&... f) { (put(o, f), ...); }, v.fields());
}

template <class T>
void put(Out& o, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    o.byte(v ? 1 : 0);
  } else if constexpr (std::is_enum_v<T>) {
    put(o, static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (std::is_integral_v<T>) {
    if (v >= 0 && static_cast<uint64_t>(v) < 0x80) {
      o.byte(static_cast<uint8_t>(v));
    } else {
      o.byte(0xC0);
      o.raw(v);
    }
  } else if constexpr (std::is_same_v<T, std::string>) {
    const auto& pool = string_pool();
    for (size_t i = 0; i < pool.size(); i++) {
      if (pool[i] == v) return o.byte(static_cast<uint8_t>(i));
    }
    o.byte(0xC0);
    size_t n = std::min<size_t>(v.size(), 255);
    o.byte(static_cast<uint8_t>(n));
    o.bytes(std::string_view(v).substr(0, n));
  } else if constexpr (serde::HasFields<T>) {
    put_fields(o, v);
  } else {
    o.byte(static_cast<uint8_t>(v.size()));
    for (const auto& e : v) put(o, e);
  }
}

// A request of type M, its every field from the input, encoded.
template <class M>
std::string make(In& in) {
  M m;
  gen_fields(in, m);
  std::string out;
  serde::encode_body(m, out);
  return out;
}

// The payload as sent: mostly the clean encoding; else the encoding with
// bytes overwritten, or cut short, or raw bytes from the input.
inline std::string mutate(In& in, std::string p) {
  uint8_t mode = in.byte();
  if (mode < 0xE0) return p;
  if (mode < 0xF0) {
    for (int i = 0; i <= (mode & 3) && !p.empty(); i++) p[in.raw<uint16_t>() % p.size()] = static_cast<char>(in.byte());
    return p;
  }
  if (mode < 0xF8) return p.substr(0, in.raw<uint16_t>() % (p.size() + 1));
  return in.bytes(in.byte());
}

struct ReqType {
  uint32_t type;
  std::string (*make)(In&);
};

template <class... M>
std::vector<ReqType> table() {
  return {ReqType{M::kType, &make<M>}...};
}

// What a mount (and the tools through it) may send on port 9421.
inline const std::vector<ReqType>& client_requests() {
  using namespace msg;
  static const auto t =
      table<ClLookup, ClGetattr, ClSetattr, ClMknod, ClUnlink, ClSymlink, ClReadlink, ClRename, ClLink, ClReaddir,
            ClStatfs, ClAccess, ClOpen, ClRelease, ClReadChunk, ClWriteChunk, ClWriteChunkEnd, ClGetXattr, ClListXattr,
            ClSetXattr, ClRemoveXattr, ClToolGet, ClToolSet, ClSnapshot, ClAppendChunks, ClQuota, ClTrashList, ClUndel,
            ClTrashPurge, ClFileInfo, ClFilePaths, ClDirInfo, ClFileRepair, ClLock, ClLockCancel, ClGetLock, ClAppend,
            ClRegister, ClChallengeReply, Hello>();
  return t;
}

// What mfscli may send.
inline const std::vector<ReqType>& cli_requests() {
  using namespace msg;
  static const auto t = table<CliInfo, CliServers, CliCommand, CliMissing, Hello>();
  return t;
}

// What a chunkserver may send on port 9420.
inline const std::vector<ReqType>& cs_messages() {
  using namespace msg;
  static const auto t = table<CsOpStatus, CsSpace, CsChunkDamaged, CsStopping, CsRegister, Hello>();
  return t;
}

inline uint8_t index_of(const std::vector<ReqType>& t, uint32_t type) {
  for (size_t i = 0; i < t.size(); i++)
    if (t[i].type == type) return static_cast<uint8_t>(i);
  std::fprintf(stderr, "master_fuzz: type %u is in no request table\n", type);
  std::abort();
}

// ------------------------------------------------------------- records

// What a record's first byte selects (its value modulo 16): a request (0..10),
// a chunkserver's answer (11), a chunkserver's own message (12), a client
// connection closing (13), a chunkserver disconnecting (14), a frame of any
// type with raw bytes (15).
enum Action : uint8_t {
  kRequest = 0,
  kCsAnswer = 11,
  kCsMessage = 12,
  kClientClose = 13,
  kCsClose = 14,
  kAnyFrame = 15
};

constexpr uint32_t ip4(int a, int b, int c, int d) { return uint32_t(a) << 24 | b << 16 | c << 8 | d; }

// The connections a request goes to (a record's second byte).
enum : uint8_t { kAdmin, kSub, kRo, kMeta, kPub, kPriv, kCliAdmin, kCliOther, kBare, kSlots };

constexpr uint16_t kCsPorts[] = {9422, 9423};
constexpr uint32_t kCsIp = ip4(10, 1, 0, 1);

// Inodes of the tree every input starts from (the same numbers each time).
struct Tree {
  uint32_t sub = 0, pub = 0, priv = 0, d = 0, f = 0, a = 0, x = 0, s = 0, p = 0, q = 0, sustained = 0;
};

inline bool is_tool(uint8_t slot) { return slot == kCliAdmin || slot == kCliOther; }

// Records, written: request m on slot (clean encoding).
template <class M>
void put_request(Out& o, uint8_t slot, const M& m) {
  o.byte(kRequest);
  o.byte(slot);
  o.byte(index_of(is_tool(slot) ? cli_requests() : client_requests(), M::kType));
  put_fields(o, m);
  o.byte(0);  // clean encoding
}
// Chunkserver cs answers its oldest command; how: 0 done, 0xC0.. failed,
// 0xF8.. never (see Cluster::cs_answer).
inline void put_answer(Out& o, uint8_t cs, uint8_t how = 0) {
  o.byte(kCsAnswer);
  o.byte(cs);
  o.byte(how);
}
inline void put_close(Out& o, Action what, uint8_t which) {
  o.byte(what);
  o.byte(which);
}

// The seed inputs, and the inputs of the known findings (README.md), as
// files in dir; tree: the inodes every input starts from.
void write_seeds(const std::string& dir, const Tree& tree);
void write_findings(const std::string& dir, const Tree& tree);

}  // namespace antler::master::fuzz
