// mfsmount's command line and mfsmount.cfg, MooseFS style:
//
//   mfsmount [HOST[:PORT]:[PATH]] [MOUNTPOINT] [-H HOST] [-P PORT] [-S PATH]
//            [-p] [-n] [-c CFGFILE] [-f] [-d] [-s] [-o opt[,opt...]]
//
// Settings are applied in this order, later ones winning: built-in defaults,
// the configuration file (/etc/mfs/mfsmount.cfg, or -c / -o mfscfgfile=),
// then the command line in the order given. A line of the configuration file
// is either a mount point (starts with '/') or options as after -o.
//
// Options starting with "mfs" are ours (an unknown one is an error); the few
// conn-level FUSE options (max_write, max_threads, ...) are taken here too;
// every other option is passed to FUSE unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/client.h"

namespace antler::mount {

inline constexpr const char* kDefaultConfigFile = "/etc/mfs/mfsmount.cfg";

// How the kernel page cache is used for file data (mfscachemode).
enum class CacheMode {
  kAuto,    // default: no cached data kept across opens (like kNo)
  kYes,     // keep_cache: trust the page cache across opens
  kNo,      // drop the page cache at every open
  kDirect,  // direct_io: no page cache at all
};

struct MountConfig {
  client::Options client;
  std::string mountpoint;
  std::string config_file = kDefaultConfigFile;
  bool config_file_given = false;  // -c / mfscfgfile=: a missing file is then an error

  bool foreground = false;          // -f
  bool debug = false;               // -d / -o debug (implies foreground)
  bool mfs_debug = false;           // -o mfsdebug: debug-level log without FUSE tracing
  bool single_thread = false;       // -s
  bool ask_password = false;        // -p
  bool no_default_options = false;  // -n: no implicit allow_other for root
  bool show_help = false;
  bool show_version = false;

  double attr_cache_s = 1.0;      // mfsattrcacheto
  double entry_cache_s = 0.0;     // mfsentrycacheto (files, symlinks, ...)
  double direntry_cache_s = 1.0;  // mfsdirentrycacheto (directories)
  double negentry_cache_s = 0.0;  // mfsnegentrycacheto (names that do not exist)
  double groups_cache_s = 1.0;    // mfsgroupscacheto (supplementary groups of a pid)
  CacheMode cache_mode = CacheMode::kAuto;
  bool no_xattrs = false;  // mfsnoxattrs: extended attributes and ACLs off (EOPNOTSUPP)
  // fcntl(2) and flock(2) locks held across mounts (off: each kernel keeps
  // them for its own mount only).
  bool posix_locks = true;  // -o mfsnoposixlocks turns off
  bool bsd_locks = true;    // -o mfsnobsdlocks turns off

  // Multithreaded FUSE loop (-o max_threads=N, -o max_idle_threads=N).
  unsigned max_threads = 64;
  unsigned max_idle_threads = 10;
  // Kernel connection limits (-o max_write=N, -o max_readahead=N), bytes.
  unsigned max_write = 1u << 20;
  unsigned max_readahead = 1u << 20;

  // /metrics and /health (mfsmetricshost, mfsmetricsport; port 0: off). The
  // default port is taken when free, else the mount goes on without them
  // (a warning): several mounts share a host. A port asked for must be free.
  std::string metrics_host = "*";
  uint16_t metrics_port = 9433;
  bool metrics_port_given = false;

  std::vector<std::string> fuse_options;  // passed to fuse_session_new as -o
  std::vector<std::string> warnings;      // accepted but ignored options, ...
};

// Applies one option ("key" or "key=value") to *cfg. Returns a one-line
// error for an unknown mfs* option or a bad value.
Status apply_option(const std::string& opt, MountConfig* cfg);

// Applies a comma-separated option list, as given after -o.
Status apply_option_list(const std::string& list, MountConfig* cfg);

// Applies the lines of a configuration file (comments already stripped, as
// returned by read_config_lines). `where` names the file in errors
// ("WHERE:LINE: reason").
Status apply_config_lines(const std::vector<std::pair<int, std::string>>& lines, const std::string& where,
                          MountConfig* cfg);

// The whole thing: parses args (args[0] is the program name), reads the
// configuration file and applies the command line over it. On failure returns
// a one-line error (without the "mfsmount: " prefix).
Status parse_mount_config(const std::vector<std::string>& args, MountConfig* cfg);

// Options for fuse_session_new, in -o form: fsname, subtype, allow_other for
// root (unless -n), then the pass-through options; "ro" is added when the
// export is read-only.
std::vector<std::string> fuse_mount_options(const MountConfig& cfg, bool export_readonly, bool is_root);

void print_usage(const char* prog);

}  // namespace antler::mount
