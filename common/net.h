// Blocking TCP connections that speak Antler frames (u32 type, u32 length,
// payload). Used by the client core, chunkservers and tools; the master uses
// its own event loop but the same frame rules.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/fd.h"
#include "common/msg/base.h"
#include "common/serde.h"

namespace antler::net {

// Parses "a.b.c.d" or a host name (resolved, IPv4). Returns false if unknown.
bool resolve_ipv4(const std::string& host, uint32_t& ip);
std::string ip_to_string(uint32_t ip);
std::string to_string(const msg::Location& loc);

template <class M>
void append_frame(const M& m, std::string& out) {
  size_t at = out.size();
  out.append(8, '\0');
  serde::encode_body(m, out);
  uint32_t hdr[2] = {M::kType, static_cast<uint32_t>(out.size() - at - 8)};
  std::memcpy(&out[at], hdr, 8);
}

template <class M>
std::string frame(const M& m) {
  std::string out;
  append_frame(m, out);
  return out;
}

template <class M>
bool decode(std::string_view payload, M& m) {
  return serde::decode_body(payload, m);
}

class Conn {
 public:
  // recv() grows a frame's buffer by at least this much at a time.
  static constexpr size_t kRecvStep = 64 << 10;
  // How much more to read of a frame of `total` bytes with `done` arrived:
  // the buffer at most doubles, so it follows what arrives.
  static size_t recv_step(size_t done, size_t total) { return std::min(total - done, std::max(kRecvStep, done)); }
  Conn() = default;
  explicit Conn(int fd) : fd_(fd) {}
  // Moves only the socket (closing the one held); the error texts stay.
  Conn(Conn&& o) noexcept : fd_(std::move(o.fd_)) {}
  Conn& operator=(Conn&& o) noexcept {
    fd_ = std::move(o.fd_);
    return *this;
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Connects with a timeout, from local address bind_ip unless 0; on failure
  // returns false and sets errno.
  bool connect(uint32_t ip, uint16_t port, int timeout_ms, uint32_t bind_ip = 0);
  bool connected() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  void close();
  // Shuts the socket down so that a thread blocked in recv() returns.
  void shutdown();

  bool send_raw(std::string_view bytes);
  template <class M>
  bool send(const M& m) {
    return send_raw(frame(m));
  }
  // Reads one frame. timeout_ms < 0 waits forever. Returns false on EOF,
  // error, timeout, or a length above max_len (the connection is then
  // unusable). malformed() then tells whether the peer sent a bad or
  // truncated frame (worth a warning) rather than simply going away.
  bool recv(uint32_t& type, std::string& payload, int timeout_ms = -1, uint32_t max_len = msg::kMaxFrame);
  // Reads one frame that must be of type M and decode cleanly.
  template <class M>
  bool recv_as(M& m, int timeout_ms = -1) {
    uint32_t type;
    std::string payload;
    return recv(type, payload, timeout_ms) && type == M::kType && decode(payload, m);
  }
  // Why the last recv() failed. Sends keep their own reason so that one
  // thread may send while another receives.
  const std::string& last_error() const { return error_; }
  bool malformed() const { return error_.rfind("truncated", 0) == 0 || error_.rfind("frame of", 0) == 0; }
  const std::string& last_send_error() const { return send_error_; }

 private:
  bool read_full(char* p, size_t n, int timeout_ms);
  UniqueFd fd_;
  std::string error_;
  std::string send_error_;
  size_t got_ = 0;  // bytes of the current frame part read so far
};

// Listening socket; returns fd or -1 with errno set.
int listen_tcp(uint32_t ip, uint16_t port, int backlog = 256);
// Peer IPv4 address of a connected socket (host order), 0 if unknown.
uint32_t peer_ip(int fd);

}  // namespace antler::net
