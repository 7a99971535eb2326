// mfsexports.cfg: which client addresses may mount which folders, and how.
// MooseFS syntax, one rule per line (see mfsexports.cfg(5)):
//   ADDRESS DIRECTORY [OPTION[,OPTION...]]
//   ADDRESS:   *  |  a.b.c.d  |  a.b.c.d/BITS  |  a.b.c.d/m.m.m.m  |  a.b.c.d-e.f.g.h
//   DIRECTORY: an absolute path, or . for the meta file system
//   OPTIONS:   ro|readonly, rw|readwrite, alldirs, dynamicip, ignoregid, admin,
//              maproot=U[:G], mapall=U[:G], password=PASS, md5pass=HEX,
//              nonrootmeta, mingoal=N, maxgoal=N, mintrashtime=T,
//              maxtrashtime=T, minversion=X.Y.Z, disable=OP[:OP...]
// Among the rules that admit a client (address, directory, version, and the
// password when the rule has one), the most permissive wins: read-write over
// read-only, then root not squashed (maproot=0), then admin, then the
// longest directory, then the earlier line.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/parse.h"
#include "common/status.h"

namespace antler::master {

// Operations an export may forbid with disable= (EPERM when used).
enum class Disable : uint8_t {
  kChown,
  kChmod,
  kSymlink,
  kMkfifo,
  kMkdev,
  kMksock,
  kMkdir,
  kUnlink,
  kRmdir,
  kRename,
  kMove,
  kLink,
  kCreate,
  kReaddir,
  kRead,
  kWrite,
  kTruncate,
  kSetlength,
  kAppendchunks,
  kSnapshot,
  kSettrash,
  kSetgoal,
  kSeteattr,
  kSetxattr,
  kSetfacl,
  kCount
};
// The name used in disable= ("setgoal" for kSetgoal; "setsclass" is accepted too).
const char* disable_name(Disable d);

struct ExportRule {
  uint32_t ip_from = 0, ip_to = 0xFFFFFFFF;       // inclusive, host byte order
  std::string dir = "/";                          // normalised absolute path, or "." (meta)
  bool readonly = true;                           // MooseFS default: ro
  bool alldirs = false;                           // any subfolder of dir may be mounted
  bool dynamicip = false;                         // a session may come back from another address
  bool ignoregid = false;                         // group bits apply to every non-owner
  bool admin = false;                             // administrative tools allowed
  bool nonrootmeta = false;                       // non-root users may use a meta mount
  uint32_t maproot_uid = 999, maproot_gid = 999;  // what root (uid 0) becomes; 0 = not squashed
  bool has_mapall = false;
  uint32_t mapall_uid = 0, mapall_gid = 0;  // what every other user becomes
  std::string password_md5;                 // 16 raw bytes; empty: no password
  uint8_t min_goal = 1, max_goal = 9;
  uint32_t min_trashtime = 0, max_trashtime = 0xFFFFFFFF;
  uint32_t min_version = 0;  // MAJOR << 16 | MINOR << 8 | PATCH
  uint32_t disables = 0;     // bit (1 << Disable)
  int line = 0;

  bool meta() const { return dir == "."; }
  bool disabled(Disable d) const { return disables & (1u << static_cast<unsigned>(d)); }
  // Address, directory (alldirs) and meta-ness match; version and password not looked at.
  bool admits(uint32_t ip, const std::string& subdir, bool meta) const;
  // True iff this rule grants more than other (the order above, line last).
  bool better_than(const ExportRule& other) const;
};

// Normalises a requested subfolder: "/" + components, no empty or "."
// parts, no trailing "/"; nullopt if it holds "..".
std::optional<std::string> normalize_subdir(const std::string& subdir);

class Exports {
 public:
  // Parses the file. On error returns a one-line error "FILE:LINE: KEY:
  // reason" (kInval), or "FILE: cannot open the exports file" (kIO).
  static Result<Exports> load(const std::string& path);
  static Result<Exports> parse(const std::string& text, const std::string& name);

  // Every rule that admits ip to subdir (normalised) at client version
  // `version`, best first.
  std::vector<const ExportRule*> candidates(uint32_t ip, const std::string& subdir, bool meta, uint32_t version) const;
  // The best candidate whose password, if it has one, password_ok accepts;
  // nullptr if none.
  const ExportRule* choose(uint32_t ip, const std::string& subdir, bool meta, uint32_t version,
                           const std::function<bool(const ExportRule&)>& password_ok) const;
  size_t size() const { return rules_.size(); }
  const std::vector<ExportRule>& rules() const { return rules_; }

 private:
  std::vector<ExportRule> rules_;
};

}  // namespace antler::master
