// The master's event loop: one thread, TCP listeners, framed connections
// and timers. Asio stays inside loop.cc; the rest of the master sees only
// these small interfaces and runs every callback on the loop's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace antler::master {

class Link {
 public:
  virtual ~Link() = default;
  // Queues a complete frame (net::frame(msg)) for sending.
  virtual void send(std::string frame) = 0;
  // Closes the connection, logging reason; on_close follows.
  virtual void close(const std::string& reason) = 0;
  virtual bool open() const = 0;
  uint64_t id = 0;
  // Set by the listener once the peer has done its handshake (a client:
  // registered). Until then frames are small (Loop::Limits) and the
  // connection must get there within the handshake timeout.
  bool authenticated = false;
  uint32_t peer_ip = 0;       // host order
  std::string peer;           // "a.b.c.d:port", for logs
  std::shared_ptr<void> ctx;  // the listener's per-connection state
};
using LinkPtr = std::shared_ptr<Link>;

class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_open(const LinkPtr& link) = 0;
  // A well-formed frame; returning false closes the link (reason logged by the callee).
  virtual bool on_frame(const LinkPtr& link, uint32_t type, std::string_view payload) = 0;
  virtual void on_close(const LinkPtr& link) = 0;
  virtual uint32_t max_frame() const = 0;
  virtual const char* what() const = 0;  // "client", "chunkserver": for logs
};

class Loop {
 public:
  // What a peer may cost the master (hardening: memory before
  // authentication stays small, and connections are bounded).
  struct Limits {
    uint32_t max_connections = 10000;         // MAX_CONNECTIONS, over all ports
    uint32_t max_connections_per_ip = 1000;   // MAX_CONNECTIONS_PER_IP
    int handshake_timeout_ms = 10000;         // accepted to authenticated
    int frame_timeout_ms = 60000;             // a frame's first byte to its last
    uint32_t handshake_max_frame = 64 << 10;  // largest frame before authentication
  };
  Loop();
  ~Loop();
  // host "*" = all addresses. On failure: "cannot resolve listen address
  // 'HOST'" or "cannot listen on HOST:PORT: <reason>".
  Status listen(const std::string& host, uint16_t port, Listener* listener);
  void set_limits(const Limits& l);
  // Open connections, over all listeners.
  uint32_t connections() const;
  // Runs fn on the loop after ms milliseconds.
  void after(int ms, std::function<void()> fn);
  // Runs fn on the loop soon; safe from any thread.
  void post(std::function<void()> fn);
  void run();  // until stop()
  // Runs the handlers that are ready now, without waiting (tests drive the
  // master's handlers without a loop thread).
  void poll();
  void stop();  // safe from any thread
  int64_t now_ms() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace antler::master
