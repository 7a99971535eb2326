#include "daemons/master/fs/ops.h"

#include <dirent.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace antler::master {

namespace {

bool plain(unsigned char c) { return c > 0x20 && c < 0x7f && c != ',' && c != '(' && c != ')' && c != '%'; }

template <class T>
void put_text(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    out += escape(v);
  } else {
    out += std::to_string(v);
  }
}

template <class T>
bool get_text(std::string_view s, T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    auto u = unescape(s);
    if (!u) return false;
    v = std::move(*u);
    return true;
  } else {
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  }
}

template <class O>
constexpr size_t required_fields() {
  constexpr size_t n = std::tuple_size_v<decltype(std::declval<O&>().fields())>;
  if constexpr (requires { O::kRequired; }) {
    static_assert(O::kRequired <= n);
    return O::kRequired;
  } else {
    return n;
  }
}

// How many fields of o a line shows: all but the trailing optional ones
// that hold their default values.
template <class O>
size_t shown_fields(const O& o) {
  const O defaults{};
  size_t shown = required_fields<O>();
  size_t i = 0;
  std::apply(
      [&](const auto&... f) {
        std::apply([&](const auto&... d) { ((i++, shown = (i > shown && !(f == d)) ? i : shown), ...); },
                   defaults.fields());
      },
      o.fields());
  return shown;
}

template <class O>
bool parse_args(std::string_view args, Op& out) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= args.size(); i++) {
    if (i == args.size() || args[i] == ',') {
      parts.push_back(args.substr(start, i - start));
      start = i + 1;
    }
  }
  O op;
  constexpr size_t n = std::tuple_size_v<decltype(op.fields())>;
  if (parts.size() > n || parts.size() < required_fields<O>()) return false;
  size_t i = 0;
  bool ok = true;
  std::apply([&](auto&... f) { ((ok = ok && (i >= parts.size() || get_text(parts[i], f)), i++), ...); }, op.fields());
  if (ok) out = std::move(op);
  return ok;
}

template <size_t I = 0>
bool parse_named(std::string_view name, std::string_view args, Op& out) {
  if constexpr (I == std::variant_size_v<Op>) {
    return false;
  } else {
    using O = std::variant_alternative_t<I, Op>;
    if (name == O::kName) return parse_args<O>(args, out);
    return parse_named<I + 1>(name, args, out);
  }
}

}  // namespace

std::string escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (plain(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int a = val(s[i + 1]), b = val(s[i + 2]);
    if (a < 0 || b < 0) return std::nullopt;
    out += static_cast<char>(a * 16 + b);
    i += 2;
  }
  return out;
}

std::string format_line(uint64_t version, int64_t time_ns, const Op& op) {
  std::string out = std::to_string(version);
  char ts[48];
  std::snprintf(ts, sizeof ts, ": %lld.%09lld|", static_cast<long long>(time_ns / 1000000000),
                static_cast<long long>(time_ns % 1000000000));
  out += ts;
  std::visit(
      [&](const auto& o) {
        out += std::decay_t<decltype(o)>::kName;
        out += '(';
        size_t shown = shown_fields(o), i = 0;
        std::apply(
            [&](const auto&... f) { ((i < shown ? (out += i ? "," : "", put_text(out, f)) : void(), i++), ...); },
            o.fields());
        out += ')';
      },
      op);
  return out;
}

Result<Line> parse_line(std::string_view line) {
  auto fail = [](const char* why) { return Status::error(why); };
  Line l;
  size_t colon = line.find(": ");
  if (colon == std::string_view::npos) return fail("no version");
  if (!get_text(line.substr(0, colon), l.version)) return fail("bad version");
  std::string_view rest = line.substr(colon + 2);
  size_t bar = rest.find('|');
  size_t dot = rest.find('.');
  if (bar == std::string_view::npos || dot == std::string_view::npos || dot > bar) return fail("bad timestamp");
  int64_t sec = 0, nsec = 0;
  if (!get_text(rest.substr(0, dot), sec) || !get_text(rest.substr(dot + 1, bar - dot - 1), nsec)) {
    return fail("bad timestamp");
  }
  l.time_ns = sec * 1000000000 + nsec;
  rest = rest.substr(bar + 1);
  size_t open = rest.find('(');
  if (open == std::string_view::npos || rest.empty() || rest.back() != ')') return fail("bad operation");
  if (!parse_named(rest.substr(0, open), rest.substr(open + 1, rest.size() - open - 2), l.op)) {
    return fail("unknown operation or bad arguments");
  }
  return l;
}

std::map<long, std::string> changelog_files(const std::string& dir, const std::string& prefix) {
  std::map<long, std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() <= prefix.size() + 5 || n.substr(0, prefix.size()) != prefix || n[prefix.size()] != '.' ||
        n.substr(n.size() - 4) != ".mfs")
      continue;
    std::string_view num = n.substr(prefix.size() + 1, n.size() - prefix.size() - 5);
    if (num.empty() || num.find_first_not_of("0123456789") != std::string_view::npos || num.size() > 9) continue;
    out[std::strtol(std::string(num).c_str(), nullptr, 10)] = dir + "/" + std::string(n);
  }
  ::closedir(d);
  return out;
}

}  // namespace antler::master
