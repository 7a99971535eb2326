#include "common/log.h"

#include <syslog.h>

#include <atomic>
#include <mutex>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace antler::log {

namespace {
std::atomic<int> g_min{static_cast<int>(Level::kInfo)};
bool g_syslog = false;
std::shared_ptr<spdlog::logger> g_stderr;
std::string g_ident = "antler";
std::once_flag g_default;

void ensure_default() {
  std::call_once(g_default, [] {
    if (!g_stderr && !g_syslog) g_stderr = spdlog::stderr_logger_st("antler-default");
  });
}
}  // namespace

void init(std::string_view ident, bool to_stderr, bool to_syslog, Level min) {
  g_ident = std::string(ident);
  g_min = static_cast<int>(min);
  if (to_stderr) {
    g_stderr = spdlog::stderr_logger_mt(g_ident + "-stderr");
    g_stderr->set_pattern("%Y-%m-%d %H:%M:%S.%e " + g_ident + "[%P] %l: %v");
    g_stderr->set_level(spdlog::level::trace);
    g_stderr->flush_on(spdlog::level::trace);
  }
  if (to_syslog) {
    openlog(g_ident.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
    g_syslog = true;
  }
}

void set_level(Level min) { g_min = static_cast<int>(min); }

bool enabled(Level level) { return static_cast<int>(level) >= g_min.load(std::memory_order_relaxed); }

void write(Level level, std::string_view text) {
  if (!enabled(level)) return;
  ensure_default();
  if (g_stderr) {
    static constexpr spdlog::level::level_enum kMap[] = {spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
                                                         spdlog::level::err};
    g_stderr->log(kMap[static_cast<int>(level)], "{}", text);
  }
  if (g_syslog) {
    static constexpr int kPrio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
    syslog(kPrio[static_cast<int>(level)], "%.*s", static_cast<int>(text.size()), text.data());
  }
}

}  // namespace antler::log
