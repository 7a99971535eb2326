// Logging for every component: syslog (daemons) and stderr (foreground,
// tools, tests). Only fmt's light header is included here.
#pragma once

#include <fmt/core.h>

#include <string_view>

namespace antler::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError };

// ident is the syslog identity (e.g. "mfsmaster"). to_syslog: daemons.
void init(std::string_view ident, bool to_stderr, bool to_syslog, Level min = Level::kInfo);
void set_level(Level min);
void write(Level level, std::string_view text);
bool enabled(Level level);

template <class... A>
void debug(fmt::format_string<A...> f, A&&... a) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void info(fmt::format_string<A...> f, A&&... a) {
  write(Level::kInfo, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void warn(fmt::format_string<A...> f, A&&... a) {
  write(Level::kWarn, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void error(fmt::format_string<A...> f, A&&... a) {
  write(Level::kError, fmt::format(f, std::forward<A>(a)...));
}

}  // namespace antler::log
