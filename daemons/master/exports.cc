#include "daemons/master/exports.h"

#include <grp.h>
#include <pwd.h>

#include <fstream>
#include <sstream>

#include "common/config.h"
#include "common/net.h"

namespace antler::master {

namespace {

bool parse_ip(const std::string& s, uint32_t& ip) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(s.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) return false;
  if (a > 255 || b > 255 || c > 255 || d > 255) return false;
  ip = (a << 24) | (b << 16) | (c << 8) | d;
  return true;
}

bool parse_address(const std::string& s, ExportRule& r) {
  if (s == "*") {
    r.ip_from = 0;
    r.ip_to = 0xFFFFFFFF;
    return true;
  }
  auto slash = s.find('/');
  auto dash = s.find('-');
  uint32_t ip;
  if (slash != std::string::npos) {
    if (!parse_ip(s.substr(0, slash), ip)) return false;
    std::string m = s.substr(slash + 1);
    uint32_t mask;
    if (m.find('.') != std::string::npos) {
      if (!parse_ip(m, mask)) return false;
    } else {
      int bits;
      try {
        bits = std::stoi(m);
      } catch (...) {
        return false;
      }
      if (bits < 0 || bits > 32) return false;
      mask = bits == 0 ? 0 : 0xFFFFFFFFu << (32 - bits);
    }
    r.ip_from = ip & mask;
    r.ip_to = r.ip_from | ~mask;
    return true;
  }
  if (dash != std::string::npos) {
    uint32_t to;
    if (!parse_ip(s.substr(0, dash), ip) || !parse_ip(s.substr(dash + 1), to) || to < ip) return false;
    r.ip_from = ip;
    r.ip_to = to;
    return true;
  }
  if (!parse_ip(s, ip)) return false;
  r.ip_from = r.ip_to = ip;
  return true;
}

bool parse_user_group(const std::string& v, uint32_t& uid, uint32_t& gid, std::string* why) {
  std::string u = v, g;
  auto colon = v.find(':');
  if (colon != std::string::npos) {
    u = v.substr(0, colon);
    g = v.substr(colon + 1);
  }
  bool have_gid = false;
  int64_t n;
  if (parse_int_with_suffix(u, n) && n >= 0) {
    uid = static_cast<uint32_t>(n);
  } else if (passwd* pw = ::getpwnam(u.c_str())) {
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    have_gid = true;
  } else {
    *why = "unknown user '" + u + "'";
    return false;
  }
  if (!g.empty()) {
    if (parse_int_with_suffix(g, n) && n >= 0) {
      gid = static_cast<uint32_t>(n);
    } else if (group* gr = ::getgrnam(g.c_str())) {
      gid = gr->gr_gid;
    } else {
      *why = "unknown group '" + g + "'";
      return false;
    }
  } else if (!have_gid) {
    passwd* pw = ::getpwuid(uid);
    gid = pw ? pw->pw_gid : uid;
  }
  return true;
}

bool parse_option(const std::string& opt, ExportRule& r, std::string* why) {
  auto eq = opt.find('=');
  std::string k = opt.substr(0, eq), v = eq == std::string::npos ? "" : opt.substr(eq + 1);
  int64_t n = 0;
  if (k == "ro" || k == "readonly") r.readonly = true;
  else if (k == "rw" || k == "readwrite") r.readonly = false;
  else if (k == "alldirs") r.alldirs = true;
  else if (k == "ignoregid") r.ignoregid = true;
  else if (k == "admin") r.admin = true;
  else if (k == "dynamicip" || k == "canchangequota" || k == "nonrootmeta") {
  } else if (k == "maproot") return parse_user_group(v, r.maproot_uid, r.maproot_gid, why);
  else if (k == "mapall") {
    r.has_mapall = true;
    return parse_user_group(v, r.mapall_uid, r.mapall_gid, why);
  } else if (k == "password" || k == "md5pass") r.password = v;
  else if (k == "mingoal" || k == "maxgoal") {
    if (!parse_int_with_suffix(v, n) || n < 1 || n > 9) {
      *why = k + ": goal must be 1..9";
      return false;
    }
    (k == "mingoal" ? r.mingoal : r.maxgoal) = static_cast<uint8_t>(n);
  } else if (k == "mintrashtime" || k == "maxtrashtime") {
    if (!parse_int_with_suffix(v, n) || n < 0) {
      *why = k + ": bad time '" + v + "'";
      return false;
    }
    (k == "mintrashtime" ? r.mintrashtime : r.maxtrashtime) = static_cast<uint32_t>(n);
  } else {
    *why = "unknown option '" + k + "'";
    return false;
  }
  return true;
}

}  // namespace

std::optional<Exports> Exports::parse(const std::string& text, const std::string& name, std::string* error) {
  Exports e;
  for (const auto& [no, line] : config_lines(text)) {
    std::istringstream ls(line);
    std::string addr, dir, opts;
    ls >> addr;
    auto fail = [&](const std::string& why) {
      *error = name + ":" + std::to_string(no) + ": " + why;
      return std::nullopt;
    };
    if (!(ls >> dir)) return fail("missing directory after address '" + addr + "'");
    ls >> opts;
    ExportRule r;
    r.line = no;
    if (!parse_address(addr, r)) return fail("bad address '" + addr + "'");
    if (dir != "." && dir[0] != '/') return fail("directory must be absolute or '.': '" + dir + "'");
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    r.dir = dir;
    std::stringstream os(opts);
    std::string opt;
    while (std::getline(os, opt, ',')) {
      if (opt.empty()) continue;
      std::string why;
      if (!parse_option(opt, r, &why)) return fail(why);
    }
    e.rules_.push_back(r);
  }
  return e;
}

std::optional<Exports> Exports::load(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": cannot open exports file";
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path, error);
}

const ExportRule* Exports::match(uint32_t ip, const std::string& subdir, bool meta) const {
  std::string sub = subdir.empty() ? "/" : subdir;
  while (sub.size() > 1 && sub.back() == '/') sub.pop_back();
  for (const auto& r : rules_) {
    if (ip < r.ip_from || ip > r.ip_to) continue;
    if (meta) {
      if (r.dir == ".") return &r;
      continue;
    }
    if (r.dir == ".") continue;
    if (sub == r.dir) return &r;
    if (r.alldirs && (r.dir == "/" || (sub.rfind(r.dir + "/", 0) == 0))) return &r;
  }
  return nullptr;
}

}  // namespace antler::master
