// Prometheus metrics and health over HTTP, for every daemon (docs/metrics.md).
//
// A daemon keeps its figures where it already keeps them (counters on the
// thread that does the work, LocalHistogram for latencies) and, at each
// scrape, writes them into an Exposition from that thread: the Server's
// HTTP thread hands the daemon a collect function and waits for it, so
// the daemon's own thread never waits for the network, and nothing is
// walked per scrape that the daemon does not already keep. /health asks the
// daemon the same way; a daemon whose thread does not answer in time is
// unhealthy by that very fact ("main loop did not answer within 2 s").
//
// Only this header is seen by the daemons: prometheus-cpp (the exposition
// types and text format) and civetweb (HTTP) stay inside metrics.cc.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace antler::metrics {

using Labels = std::map<std::string, std::string>;

// Bucket bounds in seconds, 50 µs to 10 s: operation latencies.
const std::vector<double>& latency_buckets();

// A latency histogram kept by one thread (no locking): count, sum and the
// count per bucket of `bounds` (which must outlive it).
class LocalHistogram {
 public:
  explicit LocalHistogram(const std::vector<double>& bounds = latency_buckets())
      : bounds_(&bounds), counts_(bounds.size() + 1, 0) {}
  void observe(double v);
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  const std::vector<double>& bounds() const { return *bounds_; }
  // Not cumulative; the last is above every bound.
  const std::vector<uint64_t>& counts() const { return counts_; }
  // Adds n observations summing to sum, spread as counts (same size as counts()).
  void add(const std::vector<uint64_t>& counts, double sum);

 private:
  const std::vector<double>* bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

// A latency histogram that many threads update at once (relaxed atomics;
// a scrape may see one observation counted in a bucket and not yet in the
// sum, which Prometheus tolerates). snapshot() gives a LocalHistogram.
class SharedHistogram {
 public:
  explicit SharedHistogram(const std::vector<double>& bounds = latency_buckets())
      : bounds_(&bounds), counts_(bounds.size() + 1) {}
  void observe(double seconds);
  LocalHistogram snapshot() const;

 private:
  const std::vector<double>* bounds_;
  std::vector<std::atomic<uint64_t>> counts_;
  std::atomic<uint64_t> sum_ns_{0};
};

// One scrape's figures, as the daemon writes them. A name given twice with
// other labels adds a series to the same family. Names follow
// Prometheus's rules: counters end in _total, units are base units.
class Exposition {
 public:
  Exposition();
  ~Exposition();
  Exposition(Exposition&&) noexcept;
  Exposition& operator=(Exposition&&) noexcept;
  void counter(std::string_view name, std::string_view help, double v, const Labels& labels = {});
  void gauge(std::string_view name, std::string_view help, double v, const Labels& labels = {});
  void histogram(std::string_view name, std::string_view help, const LocalHistogram& h, const Labels& labels = {});
  // Prometheus's text format (version 0.0.4).
  std::string text() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// This process's memory (/proc/self/statm), in bytes; 0 when unknown.
struct ProcessMemory {
  uint64_t virtual_bytes = 0;
  uint64_t resident_bytes = 0;
};
ProcessMemory process_memory();

// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds (the names every Prometheus client uses) and
// antler_build_info{daemon,version,commit} = 1. Safe from any thread.
void add_process_metrics(Exposition& e, std::string_view daemon);

struct Health {
  bool ok = false;
  std::string reason;  // one line: what it is doing, or why it is not
};

// GET /metrics (text format) and GET /health (200 or 503 with the reason
// as one text line) on host:port, on threads of its own.
class Server {
 public:
  struct Handlers {
    // The daemon's figures; nothing when it could not answer (503 on
    // /metrics). The process metrics are added by the server.
    std::function<std::optional<Exposition>()> collect;
    std::function<Health()> health;
  };
  // host "*" is every address. Fails with "cannot listen on HOST:PORT for
  // metrics: WHY".
  static Result<std::unique_ptr<Server>> start(const std::string& host, uint16_t port, std::string daemon,
                                               Handlers handlers);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  uint16_t port() const { return port_; }
  struct Ctx;  // what the HTTP handlers see (metrics.cc)

 private:
  Server() = default;
  std::unique_ptr<Ctx> ctx_;
  uint16_t port_ = 0;
};

// Runs fn through post (which must run it on the daemon's thread, e.g.
// Loop::post) and waits up to timeout_ms for its result; nothing on
// timeout. fn may then still run later: it must capture only what outlives
// it (the result goes to state shared with this call, not to its stack).
template <class T, class Post>
std::optional<T> ask_on(Post&& post, std::function<T()> fn, int timeout_ms) {
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<T> out;
  };
  auto st = std::make_shared<State>();
  post([st, fn = std::move(fn)] {
    T v = fn();
    std::lock_guard<std::mutex> g(st->mu);
    st->out.emplace(std::move(v));
    st->cv.notify_all();
  });
  std::unique_lock<std::mutex> g(st->mu);
  st->cv.wait_for(g, std::chrono::milliseconds(timeout_ms), [&] { return st->out.has_value(); });
  return std::move(st->out);
}

}  // namespace antler::metrics
