#include "tools/cli/output.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace antler::tools::cli {

std::string num(uint64_t v) { return std::to_string(v); }

std::string human(uint64_t v) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double d = static_cast<double>(v);
  int u = 0;
  while (d >= 1024 && u < 6) d /= 1024, u++;
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(v));
  else std::snprintf(buf, sizeof buf, "%.*f %s", d < 10 ? 1 : 0, d, units[u]);
  return buf;
}

std::string bytes_text(uint64_t v, bool tty) { return tty ? human(v) : num(v); }

std::string ctime_text(int64_t seconds) {
  time_t t = static_cast<time_t>(seconds);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", std::localtime(&t));
  return buf;
}

void Table::print(const Style& style) const {
  if (!style.tty) {
    for (const auto& r : rows_) {
      std::string line = title_ + ":";
      for (const auto& c : r) line += style.sep + c;
      std::printf("%s\n", line.c_str());
    }
    return;
  }
  std::vector<size_t> w(header_.size(), 0);
  for (size_t i = 0; i < header_.size(); i++) w[i] = header_[i].size();
  for (const auto& r : rows_)
    for (size_t i = 0; i < r.size() && i < w.size(); i++) w[i] = std::max(w[i], r[i].size());
  std::string rule = "+";
  for (size_t x : w) rule += std::string(x + 2, '-') + "+";
  size_t inner = rule.size() - 2;
  std::printf("%s\n| %-*s |\n%s\n", rule.c_str(), static_cast<int>(inner - 2), title_.c_str(), rule.c_str());
  auto line = [&](const std::vector<std::string>& r, bool left) {
    std::string s = "|";
    for (size_t i = 0; i < w.size(); i++) {
      std::string c = i < r.size() ? r[i] : "";
      std::string pad(w[i] - c.size(), ' ');
      s += " " + (left || i == 0 ? c + pad : pad + c) + " |";
    }
    std::printf("%s\n", s.c_str());
  };
  line(header_, true);
  std::printf("%s\n", rule.c_str());
  for (const auto& r : rows_) line(r, false);
  std::printf("%s\n", rule.c_str());
}

}  // namespace antler::tools::cli
