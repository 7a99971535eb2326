#include "common/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <civetweb.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/log.h"

#ifndef ANTLER_COMMIT
#define ANTLER_COMMIT "unknown"
#endif

namespace antler::metrics {

const std::vector<double>& latency_buckets() {
  static const std::vector<double> b{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                     0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
  return b;
}

void LocalHistogram::observe(double v) {
  size_t i = std::lower_bound(bounds_->begin(), bounds_->end(), v) - bounds_->begin();
  counts_[i]++;
  count_++;
  sum_ += v;
}

void LocalHistogram::add(const std::vector<uint64_t>& counts, double sum) {
  for (size_t i = 0; i < counts_.size() && i < counts.size(); i++) {
    counts_[i] += counts[i];
    count_ += counts[i];
  }
  sum_ += sum;
}

void SharedHistogram::observe(double seconds) {
  size_t i = std::lower_bound(bounds_->begin(), bounds_->end(), seconds) - bounds_->begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e9), std::memory_order_relaxed);
}

LocalHistogram SharedHistogram::snapshot() const {
  std::vector<uint64_t> c(counts_.size());
  for (size_t i = 0; i < c.size(); i++) c[i] = counts_[i].load(std::memory_order_relaxed);
  LocalHistogram h(*bounds_);
  h.add(c, static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  return h;
}

struct Exposition::Impl {
  std::vector<prometheus::MetricFamily> families;

  prometheus::ClientMetric& add(std::string_view name, std::string_view help, prometheus::MetricType type,
                                const Labels& labels) {
    auto it = std::find_if(families.begin(), families.end(), [&](const auto& f) { return f.name == name; });
    if (it == families.end()) {
      families.push_back({std::string(name), std::string(help), type, {}});
      it = families.end() - 1;
    }
    prometheus::ClientMetric& m = it->metric.emplace_back();
    for (const auto& [k, v] : labels) m.label.push_back({k, v});
    return m;
  }
};

Exposition::Exposition() : impl_(std::make_unique<Impl>()) {}
Exposition::~Exposition() = default;
Exposition::Exposition(Exposition&&) noexcept = default;
Exposition& Exposition::operator=(Exposition&&) noexcept = default;

void Exposition::counter(std::string_view name, std::string_view help, double v, const Labels& labels) {
  impl_->add(name, help, prometheus::MetricType::Counter, labels).counter.value = v;
}

void Exposition::gauge(std::string_view name, std::string_view help, double v, const Labels& labels) {
  impl_->add(name, help, prometheus::MetricType::Gauge, labels).gauge.value = v;
}

void Exposition::histogram(std::string_view name, std::string_view help, const LocalHistogram& h,
                           const Labels& labels) {
  prometheus::ClientMetric& m = impl_->add(name, help, prometheus::MetricType::Histogram, labels);
  m.histogram.sample_count = h.count();
  m.histogram.sample_sum = h.sum();
  uint64_t cum = 0;
  for (size_t i = 0; i < h.bounds().size(); i++) {
    cum += h.counts()[i];
    m.histogram.bucket.push_back({cum, h.bounds()[i]});
  }
  m.histogram.bucket.push_back({h.count(), std::numeric_limits<double>::infinity()});
}

std::string Exposition::text() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->families);
  return out.str();
}

namespace {

// Seconds since the epoch at which this process started.
double start_time_s() {
  static const double t = [] {
    std::ifstream f("/proc/self/stat");
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    size_t rp = s.rfind(')');
    if (rp == std::string::npos) return 0.0;
    std::istringstream in(s.substr(rp + 2));
    std::string field;
    unsigned long long start_ticks = 0;
    for (int i = 3; i <= 22 && in >> field; i++)
      if (i == 22) start_ticks = std::strtoull(field.c_str(), nullptr, 10);
    std::ifstream up("/proc/uptime");
    double uptime = 0;
    up >> uptime;
    double boot = static_cast<double>(::time(nullptr)) - uptime;
    return boot + static_cast<double>(start_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }();
  return t;
}

size_t open_fds() {
  size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') n++;
    ::closedir(d);
    if (n) n--;  // the one opendir holds
  }
  return n;
}

}  // namespace

ProcessMemory process_memory() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return {};
  auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return {pages * page, resident * page};
}

void add_process_metrics(Exposition& e, std::string_view daemon) {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  e.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
            secs(ru.ru_utime) + secs(ru.ru_stime));
  ProcessMemory m = process_memory();
  e.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", static_cast<double>(m.resident_bytes));
  e.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", static_cast<double>(m.virtual_bytes));
  e.gauge("process_open_fds", "Number of open file descriptors.", static_cast<double>(open_fds()));
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  e.gauge("process_max_fds", "Maximum number of open file descriptors.", static_cast<double>(rl.rlim_cur));
  e.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.", start_time_s());
  e.gauge("antler_build_info", "Which Antler daemon and build this is (always 1).", 1,
          {{"daemon", std::string(daemon)}, {"version", ANTLER_VERSION}, {"commit", ANTLER_COMMIT}});
}

// ---------------------------------------------------------------- the server

struct Server::Ctx {
  std::string daemon;
  Handlers handlers;
  mg_context* mg = nullptr;
};

namespace {

void reply(mg_connection* c, int status, const char* type, const std::string& body) {
  mg_response_header_start(c, status);
  mg_response_header_add(c, "Content-Type", type, -1);
  mg_response_header_add(c, "Content-Length", std::to_string(body.size()).c_str(), -1);
  mg_response_header_add(c, "Cache-Control", "no-store", -1);
  mg_response_header_send(c);
  const mg_request_info* ri = mg_get_request_info(c);
  if (std::strcmp(ri->request_method, "HEAD") != 0) mg_write(c, body.data(), body.size());
}

bool method_ok(mg_connection* c) {
  const mg_request_info* ri = mg_get_request_info(c);
  if (std::strcmp(ri->request_method, "GET") == 0 || std::strcmp(ri->request_method, "HEAD") == 0) return true;
  reply(c, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
  return false;
}

int on_metrics(mg_connection* c, void* cbdata) {
  auto* ctx = static_cast<Server::Ctx*>(cbdata);
  if (!method_ok(c)) return 405;
  std::optional<Exposition> e = ctx->handlers.collect ? ctx->handlers.collect() : Exposition();
  if (!e) {
    reply(c, 503, "text/plain; charset=utf-8", ctx->daemon + ": main loop did not answer in time\n");
    return 503;
  }
  add_process_metrics(*e, ctx->daemon);
  reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", e->text());
  return 200;
}

int on_health(mg_connection* c, void* cbdata) {
  auto* ctx = static_cast<Server::Ctx*>(cbdata);
  if (!method_ok(c)) return 405;
  Health h = ctx->handlers.health ? ctx->handlers.health() : Health{true, "running"};
  std::string line = h.reason;
  std::replace(line.begin(), line.end(), '\n', ' ');
  reply(c, h.ok ? 200 : 503, "text/plain; charset=utf-8", line + "\n");
  return h.ok ? 200 : 503;
}

int on_other(mg_connection* c, void*) {
  reply(c, 404, "text/plain; charset=utf-8", "not found: try /metrics or /health\n");
  return 404;
}

int log_message(const mg_connection*, const char* message) {
  log::warn("metrics http: {}", message);
  return 1;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const std::string& host, uint16_t port, std::string daemon,
                                              Handlers handlers) {
  static const unsigned init = mg_init_library(0);
  (void)init;
  std::unique_ptr<Server> s(new Server());
  s->ctx_ = std::make_unique<Ctx>();
  s->ctx_->daemon = std::move(daemon);
  s->ctx_->handlers = std::move(handlers);
  std::string where = (host == "*" ? "" : host + ":") + std::to_string(port);
  // Two threads: a scrape and a health check at once; a third client waits.
  const char* options[] = {"listening_ports",
                           where.c_str(),
                           "num_threads",
                           "2",
                           "request_timeout_ms",
                           "5000",
                           "enable_keep_alive",
                           "yes",
                           "keep_alive_timeout_ms",
                           "5000",
                           "linger_timeout_ms",
                           "0",
                           nullptr};
  mg_callbacks cb{};
  cb.log_message = log_message;
  char err[256] = "";
  unsigned code = 0;
  mg_error_data ed{&code, err, sizeof err};
  mg_init_data init_data{&cb, s->ctx_.get(), options};
  s->ctx_->mg = mg_start2(&init_data, &ed);
  if (!s->ctx_->mg)
    return Status::error("cannot listen on " + (host == "*" ? "*:" + std::to_string(port) : where) +
                         " for metrics: " + (err[0] ? std::string(err) : "unknown error"));
  mg_set_request_handler(s->ctx_->mg, "/metrics$", on_metrics, s->ctx_.get());
  mg_set_request_handler(s->ctx_->mg, "/health$", on_health, s->ctx_.get());
  mg_set_request_handler(s->ctx_->mg, "/", on_other, s->ctx_.get());
  mg_server_port ports[1]{};
  if (mg_get_server_ports(s->ctx_->mg, 1, ports) > 0) s->port_ = static_cast<uint16_t>(ports[0].port);
  return s;
}

Server::~Server() {
  if (ctx_ && ctx_->mg) mg_stop(ctx_->mg);
}

}  // namespace antler::metrics
