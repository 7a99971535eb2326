// mfsexports.cfg: which client addresses may mount which folders, how.
// Syntax (MooseFS): ADDRESS DIRECTORY [OPTIONS], one rule per line; the
// first rule matching the address and folder wins.
//   ADDRESS: *  |  a.b.c.d  |  a.b.c.d/BITS  |  a.b.c.d/m.m.m.m  |  a.b.c.d-e.f.g.h
//   DIRECTORY: an absolute path, or . for the meta file system
//   OPTIONS: ro|readonly, rw|readwrite, alldirs, maproot=U[:G], mapall=U[:G],
//            password=PASS, md5pass=HEX, mingoal=N, maxgoal=N,
//            mintrashtime=T, maxtrashtime=T, ignoregid, admin
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace antler::master {

struct ExportRule {
  uint32_t ip_from = 0, ip_to = 0xFFFFFFFF;
  std::string dir = "/";  // "." = meta
  bool readonly = false;
  bool alldirs = false;
  bool has_mapall = false;
  uint32_t maproot_uid = 999, maproot_gid = 999;
  uint32_t mapall_uid = 0, mapall_gid = 0;
  std::string password;
  uint8_t mingoal = 1, maxgoal = 9;
  uint32_t mintrashtime = 0, maxtrashtime = 0xFFFFFFFF;
  bool ignoregid = false;
  bool admin = false;
  int line = 0;
};

class Exports {
 public:
  // Parses the file; on error returns nullopt with "FILE:LINE: reason".
  static std::optional<Exports> load(const std::string& path, std::string* error);
  static std::optional<Exports> parse(const std::string& text, const std::string& name, std::string* error);
  // The first rule for ip that allows mounting subdir (or the meta fs).
  const ExportRule* match(uint32_t ip, const std::string& subdir, bool meta) const;
  size_t size() const { return rules_.size(); }

 private:
  std::vector<ExportRule> rules_;
};

}  // namespace antler::master
