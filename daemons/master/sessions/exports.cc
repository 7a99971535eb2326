#include "daemons/master/sessions/exports.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "common/auth.h"
#include "common/config.h"
#include "common/msg/base.h"

namespace antler::master {

namespace {

constexpr const char* kDisableNames[] = {
    "chown",        "chmod",    "symlink",  "mkfifo",  "mkdev",    "mksock",   "mkdir",   "unlink",   "rmdir",
    "rename",       "move",     "link",     "create",  "readdir",  "read",     "write",   "truncate", "setlength",
    "appendchunks", "snapshot", "settrash", "setgoal", "seteattr", "setxattr", "setfacl",
};
static_assert(std::size(kDisableNames) == static_cast<size_t>(Disable::kCount));

bool parse_address(const std::string& s, ExportRule& r, std::string* why) {
  return parse_ip_range(s, &r.ip_from, &r.ip_to, why);
}

bool lookup_user(const std::string& u, uint32_t* uid, uint32_t* gid, std::string* why) {
  if (parse_u32(u, uid)) {
    passwd* pw = ::getpwuid(*uid);
    *gid = pw ? pw->pw_gid : *uid;
    return true;
  }
  if (passwd* pw = ::getpwnam(u.c_str())) {
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return true;
  }
  *why = "unknown user '" + u + "'";
  return false;
}

bool parse_user_group(const std::string& v, uint32_t* uid, uint32_t* gid, std::string* why) {
  auto colon = v.find(':');
  if (!lookup_user(v.substr(0, colon), uid, gid, why)) return false;
  if (colon == std::string::npos) return true;
  std::string g = v.substr(colon + 1);
  if (parse_u32(g, gid)) return true;
  if (group* gr = ::getgrnam(g.c_str())) {
    *gid = gr->gr_gid;
    return true;
  }
  *why = "unknown group '" + g + "'";
  return false;
}

bool parse_disables(const std::string& v, uint32_t* bits, std::string* why) {
  std::stringstream ss(v);
  std::string op;
  bool any = false;
  while (std::getline(ss, op, ':')) {
    if (op == "setsclass") op = "setgoal";
    size_t i = 0;
    while (i < std::size(kDisableNames) && op != kDisableNames[i]) i++;
    if (i == std::size(kDisableNames)) {
      *why = "unknown operation '" + op + "'";
      return false;
    }
    *bits |= 1u << i;
    any = true;
  }
  if (!any) *why = "needs a list of operations (OP[:OP...])";
  return any;
}

// One option; false with *why (without the key) on error.
bool parse_option(const std::string& k, const std::string& v, bool has_value, ExportRule& r, std::string* why) {
  static const char* kFlags[] = {"ro",        "readonly",  "rw",    "readwrite",   "alldirs",
                                 "dynamicip", "ignoregid", "admin", "nonrootmeta", "canchangequota"};
  bool flag =
      std::find_if(std::begin(kFlags), std::end(kFlags), [&](const char* f) { return k == f; }) != std::end(kFlags);
  if (flag) {
    if (has_value) {
      *why = "takes no value";
      return false;
    }
    if (k == "ro" || k == "readonly") r.readonly = true;
    else if (k == "rw" || k == "readwrite") r.readonly = false;
    else if (k == "alldirs") r.alldirs = true;
    else if (k == "dynamicip") r.dynamicip = true;
    else if (k == "ignoregid") r.ignoregid = true;
    else if (k == "admin") r.admin = true;
    else if (k == "nonrootmeta") r.nonrootmeta = true;
    // canchangequota: accepted for MooseFS compatibility; quota rights follow admin
    return true;
  }
  static const char* kValued[] = {"maproot", "mapall",       "password",     "md5pass",    "mingoal",
                                  "maxgoal", "mintrashtime", "maxtrashtime", "minversion", "disable"};
  bool valued =
      std::find_if(std::begin(kValued), std::end(kValued), [&](const char* f) { return k == f; }) != std::end(kValued);
  if (!valued) {
    *why = "unknown option";
    return false;
  }
  if (!has_value || v.empty()) {
    *why = "needs a value (" + k + "=...)";
    return false;
  }
  uint32_t n = 0;
  if (k == "maproot") return parse_user_group(v, &r.maproot_uid, &r.maproot_gid, why);
  if (k == "mapall") {
    r.has_mapall = true;
    return parse_user_group(v, &r.mapall_uid, &r.mapall_gid, why);
  }
  if (k == "password") {
    r.password_md5 = auth::md5(v);
    return true;
  }
  if (k == "md5pass") {
    auto md5 = auth::from_hex(v);
    if (!md5) {
      *why = "'" + v + "' is not 32 hexadecimal digits";
      return false;
    }
    r.password_md5 = *md5;
    return true;
  }
  if (k == "mingoal" || k == "maxgoal") {
    if (!parse_u32(v, &n) || n < 1 || n > msg::kMaxGoal) {
      *why = "'" + v + "' is not a goal (1..9)";
      return false;
    }
    (k == "mingoal" ? r.min_goal : r.max_goal) = static_cast<uint8_t>(n);
    return true;
  }
  if (k == "mintrashtime" || k == "maxtrashtime") {
    if (!parse_duration(v, &n)) {
      *why = "'" + v + "' is not a time (seconds, or like 30m, 2h, 1d, 1w)";
      return false;
    }
    (k == "mintrashtime" ? r.min_trashtime : r.max_trashtime) = n;
    return true;
  }
  if (k == "minversion") {
    if (!parse_version(v, &r.min_version)) {
      *why = "'" + v + "' is not a version (X.Y.Z)";
      return false;
    }
    return true;
  }
  return parse_disables(v, &r.disables, why);  // disable
}

}  // namespace

const char* disable_name(Disable d) { return kDisableNames[static_cast<size_t>(d)]; }

std::optional<std::string> normalize_subdir(const std::string& subdir) {
  std::string out;
  std::stringstream ss(subdir);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    out += "/" + part;
  }
  return out.empty() ? "/" : out;
}

bool ExportRule::admits(uint32_t ip, const std::string& subdir, bool want_meta) const {
  if (ip < ip_from || ip > ip_to) return false;
  if (want_meta || meta()) return want_meta && meta();
  if (subdir == dir) return true;
  if (!alldirs) return false;
  return dir == "/" ||
         (subdir.size() > dir.size() && subdir.compare(0, dir.size(), dir) == 0 && subdir[dir.size()] == '/');
}

bool ExportRule::better_than(const ExportRule& o) const {
  if (readonly != o.readonly) return !readonly;
  if ((maproot_uid == 0) != (o.maproot_uid == 0)) return maproot_uid == 0;
  if (admin != o.admin) return admin;
  if (dir.size() != o.dir.size()) return dir.size() > o.dir.size();
  return line < o.line;
}

Result<Exports> Exports::parse(const std::string& text, const std::string& name) {
  Exports e;
  for (const auto& [no, line] : config_lines(text)) {
    auto fail = [&, no = no](const std::string& key, const std::string& why) {
      return Status::error(name + ":" + std::to_string(no) + ": " + key + ": " + why);
    };
    std::istringstream ls(line);
    std::string addr, dir, opts, extra;
    ls >> addr >> dir >> opts >> extra;
    if (dir.empty()) return fail("directory", "missing after address '" + addr + "'");
    if (!extra.empty()) return fail("options", "unexpected text '" + extra + "' after the options");
    ExportRule r;
    r.line = no;
    std::string why;
    if (!parse_address(addr, r, &why)) return fail("address", why);
    if (dir != ".") {
      if (dir[0] != '/') return fail("directory", "'" + dir + "' is neither an absolute path nor '.'");
      auto norm = normalize_subdir(dir);
      if (!norm) return fail("directory", "'" + dir + "' contains '..'");
      r.dir = *norm;
    } else {
      r.dir = ".";
    }
    std::stringstream os(opts);
    std::string opt;
    while (std::getline(os, opt, ',')) {
      if (opt.empty()) continue;
      auto eq = opt.find('=');
      std::string k = opt.substr(0, eq), v = eq == std::string::npos ? "" : opt.substr(eq + 1);
      if (!parse_option(k, v, eq != std::string::npos, r, &why)) return fail(k, why);
    }
    if (r.min_goal > r.max_goal) {
      return fail("mingoal",
                  "mingoal " + std::to_string(r.min_goal) + " is above maxgoal " + std::to_string(r.max_goal));
    }
    if (r.min_trashtime > r.max_trashtime) {
      return fail("mintrashtime", "mintrashtime " + std::to_string(r.min_trashtime) + "s is above maxtrashtime " +
                                      std::to_string(r.max_trashtime) + "s");
    }
    e.rules_.push_back(r);
  }
  return e;
}

Result<Exports> Exports::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::error(path + ": cannot open the exports file", St::kIO);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::vector<const ExportRule*> Exports::candidates(uint32_t ip, const std::string& subdir, bool meta,
                                                   uint32_t version) const {
  std::vector<const ExportRule*> out;
  for (const auto& r : rules_)
    if (r.admits(ip, subdir, meta) && version >= r.min_version) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(), [](const ExportRule* a, const ExportRule* b) { return a->better_than(*b); });
  return out;
}

const ExportRule* Exports::choose(uint32_t ip, const std::string& subdir, bool meta, uint32_t version,
                                  const std::function<bool(const ExportRule&)>& password_ok) const {
  for (const ExportRule* r : candidates(ip, subdir, meta, version))
    if (r->password_md5.empty() || password_ok(*r)) return r;
  return nullptr;
}

}  // namespace antler::master
