#include "client/fuse/options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "common/auth.h"
#include "common/config.h"
#include "common/net.h"

namespace antler::mount {

namespace {

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return std::string();
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::vector<std::string> split_commas(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    // Tolerate "a, b" in configuration files.
    std::string item = trim(list.substr(start, comma - start));
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

bool parse_seconds(const std::string& key, const std::string& value, double* out, std::string* error) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v < 0) {
    *error = "bad value '" + value + "' for " + key + " (want seconds, e.g. 1.5)";
    return false;
  }
  *out = v;
  return true;
}

bool parse_uint(const std::string& key, const std::string& value, int64_t min, int64_t max, int64_t* out,
                std::string* error) {
  int64_t v = 0;
  if (!parse_int_with_suffix(value, v) || v < min || v > max) {
    *error = "bad value '" + value + "' for " + key + " (want a number from " + std::to_string(min) + " to " +
             std::to_string(max) + ")";
    return false;
  }
  *out = v;
  return true;
}

// A size: a plain number counts in `unit` bytes; with a suffix (k, M, G, T,
// optionally followed by "B" or "iB") it is bytes. Returns the size in units,
// rounded up.
bool parse_size(const std::string& key, const std::string& value, int64_t unit, int64_t max_units, int64_t* out,
                std::string* error) {
  std::string t = value;
  if (t.size() > 2 && (t.compare(t.size() - 2, 2, "iB") == 0 || t.compare(t.size() - 2, 2, "ib") == 0)) {
    t.resize(t.size() - 2);
  } else if (t.size() > 1 && (t.back() == 'B' || t.back() == 'b') &&
             std::isalpha(static_cast<unsigned char>(t[t.size() - 2]))) {
    t.pop_back();
  }
  bool suffixed = !t.empty() && std::isalpha(static_cast<unsigned char>(t.back()));
  int64_t v = 0;
  bool ok = parse_int_with_suffix(t, v) && v >= 0;
  if (ok && suffixed) v = (v + unit - 1) / unit;
  if (!ok || v > max_units) {
    *error = "bad value '" + value + "' for " + key;
    return false;
  }
  *out = v;
  return true;
}

// MooseFS mount options that this client accepts for compatibility but does
// not act on (a warning is printed).
constexpr const char* kIgnoredMfsOptions[] = {
    "mfsproxy",          "mfsdelayedinit",      "mfsnice",         "mfsmemlock",
    "mfslimitarenas",   "mfsrlimitnofile",   "mfsmkdircopysgid",    "mfssugidclearmode",
    "mfsfsyncbeforeclose", "mfsfsyncmintime",
    "mfsreadaheadleng", "mfsreadaheadtrigger", "mfsdonotrememberpassword", "mfsuniqmode", "mfsaclcacheto",
    "mfsflattrash",     "mfswritecachetime", "mfscachefiles",
};

// Options of mount(8) and fstab that mean nothing to a FUSE mount.
bool is_fstab_only(const std::string& key) {
  static constexpr const char* kKeys[] = {"defaults", "_netdev", "nofail", "auto", "noauto",
                                          "user",     "nouser",  "users",  "owner", "group"};
  for (const char* k : kKeys)
    if (key == k) return true;
  return starts_with(key, "x-") || starts_with(key, "comment=");
}

bool read_password_file(const std::string& path, std::string* password, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read password file '" + path + "'";
    return false;
  }
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  *password = line;
  return true;
}

bool apply_mfs_option(const std::string& key, const std::string& value, bool has_value, MountConfig* cfg,
                      std::string* error) {
  auto need_value = [&]() {
    if (has_value && !value.empty()) return true;
    *error = "option " + key + " needs a value (" + key + "=...)";
    return false;
  };
  int64_t n = 0;
  if (key == "mfsmaster") {
    if (!need_value()) return false;
    cfg->client.master_host = value;
  } else if (key == "mfsport") {
    if (!need_value() || !parse_uint(key, value, 1, 65535, &n, error)) return false;
    cfg->client.master_port = static_cast<uint16_t>(n);
  } else if (key == "mfssubfolder") {
    if (!need_value()) return false;
    cfg->client.subdir = value[0] == '/' ? value : "/" + value;
  } else if (key == "mfspassword") {
    if (!has_value) return need_value();
    cfg->client.password = value;
  } else if (key == "mfspassfile") {
    if (!need_value() || !read_password_file(value, &cfg->client.password, error)) return false;
  } else if (key == "mfsmd5pass") {
    if (!need_value()) return false;
    auto md5 = auth::from_hex(value);
    if (!md5) {
      *error = "bad value for mfsmd5pass: the MD5 of the password is 32 hexadecimal digits";
      return false;
    }
    cfg->client.password_md5 = *md5;
  } else if (key == "mfsbind") {
    uint32_t ip = 0;
    if (!need_value()) return false;
    if (!net::resolve_ipv4(value, ip)) {
      *error = "bad value '" + value + "' for mfsbind: not a local IPv4 address or host name";
      return false;
    }
    cfg->client.bind_host = value;
  } else if (key == "mfsioretries") {
    if (!need_value() || !parse_uint(key, value, 0, 1000000, &n, error)) return false;
    cfg->client.io_retries = static_cast<int>(n);
  } else if (key == "mfswritecachesize") {  // MiB
    if (!need_value() || !parse_size(key, value, 1 << 20, 1 << 22, &n, error)) return false;
    cfg->client.write_cache_mb = static_cast<uint32_t>(n);
  } else if (key == "mfsreadaheadsize") {  // KiB
    if (!need_value() || !parse_size(key, value, 1 << 10, 1 << 22, &n, error)) return false;
    cfg->client.readahead_kb = static_cast<uint32_t>(n);
  } else if (key == "mfsattrcacheto") {
    return need_value() && parse_seconds(key, value, &cfg->attr_cache_s, error);
  } else if (key == "mfsentrycacheto") {
    return need_value() && parse_seconds(key, value, &cfg->entry_cache_s, error);
  } else if (key == "mfsdirentrycacheto") {
    return need_value() && parse_seconds(key, value, &cfg->direntry_cache_s, error);
  } else if (key == "mfsnegentrycacheto") {
    return need_value() && parse_seconds(key, value, &cfg->negentry_cache_s, error);
  } else if (key == "mfsgroupscacheto") {
    return need_value() && parse_seconds(key, value, &cfg->groups_cache_s, error);
  } else if (key == "mfscachemode") {
    if (!need_value()) return false;
    std::string v = lower(value);
    if (v == "auto") {
      cfg->cache_mode = CacheMode::kAuto;
    } else if (v == "yes" || v == "always") {
      cfg->cache_mode = CacheMode::kYes;
    } else if (v == "no" || v == "none" || v == "never") {
      cfg->cache_mode = CacheMode::kNo;
    } else if (v == "direct") {
      cfg->cache_mode = CacheMode::kDirect;
    } else {
      *error = "bad value '" + value + "' for mfscachemode (want AUTO, YES, NO or DIRECT)";
      return false;
    }
  } else if (key == "mfscfgfile") {
    // Chosen before any file is read (see parse_mount_config); inside a
    // configuration file it is ignored.
    if (!need_value()) return false;
  } else if (key == "mfsxattrcacheto") {
    double v = 0;
    if (!need_value() || !parse_seconds(key, value, &v, error)) return false;
    cfg->client.xattr_cache_ms = static_cast<int>(std::min(v, 86400.0) * 1000);
  } else if (key == "mfsnoxattrs") {
    cfg->no_xattrs = true;
  } else if (key == "mfsnoposixlocks") {
    cfg->posix_locks = false;
  } else if (key == "mfsnobsdlocks") {
    cfg->bsd_locks = false;
  } else if (key == "mfsdebug") {
    cfg->mfs_debug = true;
  } else if (key == "mfsmeta") {
    cfg->client.meta = true;
  } else {
    for (const char* ignored : kIgnoredMfsOptions) {
      if (key == ignored) {
        cfg->warnings.push_back("option " + key + " is not supported by this mfsmount, ignored");
        return true;
      }
    }
    *error = "unknown option '" + key + "'";
    return false;
  }
  return true;
}

bool apply_uint_option(const std::string& key, const std::string& value, int64_t min, int64_t max,
                       unsigned* out, std::string* error) {
  int64_t n = 0;
  if (!parse_uint(key, value, min, max, &n, error)) return false;
  *out = static_cast<unsigned>(n);
  return true;
}

// Pre-scans the command line's option lists for the configuration file.
void find_config_file(const std::vector<std::string>& cmd_options, MountConfig* cfg) {
  for (const std::string& list : cmd_options) {
    for (const std::string& opt : split_commas(list)) {
      if (starts_with(opt, "mfscfgfile=") && opt.size() > 11) {
        cfg->config_file = opt.substr(11);
        cfg->config_file_given = true;
      }
    }
  }
}

// Splits "HOST[:PORT]:[PATH]" into options, put before the other options of
// the command line so that -H/-P/-S/-o win over it.
bool parse_source(const std::string& src, std::vector<std::string>* cmd_options, std::string* error) {
  size_t last = src.rfind(':');
  std::string path = src.substr(last + 1);
  std::string host = src.substr(0, last);
  std::vector<std::string> opts;
  size_t colon = host.find(':');
  if (colon != std::string::npos) {
    opts.push_back("mfsport=" + host.substr(colon + 1));
    host.resize(colon);
  }
  if (host.empty()) {
    *error = "bad source '" + src + "' (want HOST[:PORT]:[PATH])";
    return false;
  }
  opts.insert(opts.begin(), "mfsmaster=" + host);
  if (!path.empty()) opts.push_back("mfssubfolder=" + path);
  cmd_options->insert(cmd_options->begin(), opts.begin(), opts.end());
  return true;
}

}  // namespace

bool apply_option(const std::string& opt, MountConfig* cfg, std::string* error) {
  if (opt.empty()) return true;
  size_t eq = opt.find('=');
  bool has_value = eq != std::string::npos;
  std::string key = trim(has_value ? opt.substr(0, eq) : opt);
  std::string value = has_value ? trim(opt.substr(eq + 1)) : std::string();
  if (key.empty()) return true;

  if (starts_with(key, "mfs")) return apply_mfs_option(key, value, has_value, cfg, error);
  if (key == "debug") {
    cfg->debug = true;
    cfg->foreground = true;
    return true;
  }
  if (key == "max_threads") return apply_uint_option(key, value, 1, 100000, &cfg->max_threads, error);
  if (key == "max_idle_threads") return apply_uint_option(key, value, 1, 100000, &cfg->max_idle_threads, error);
  if (key == "max_write") return apply_uint_option(key, value, 4096, 1 << 20, &cfg->max_write, error);
  if (key == "max_readahead") return apply_uint_option(key, value, 0, 1 << 30, &cfg->max_readahead, error);
  if (key == "nonempty") return true;  // FUSE 3 mounts over non-empty directories anyway
  std::string clean = has_value ? key + "=" + value : key;
  if (is_fstab_only(clean)) return true;
  cfg->fuse_options.push_back(clean);
  return true;
}

bool apply_option_list(const std::string& list, MountConfig* cfg, std::string* error) {
  for (const std::string& opt : split_commas(list))
    if (!apply_option(opt, cfg, error)) return false;
  return true;
}

bool apply_config_lines(const std::vector<std::pair<int, std::string>>& lines, const std::string& where,
                        MountConfig* cfg, std::string* error) {
  for (const auto& [no, line] : lines) {
    if (line[0] == '/') {
      cfg->mountpoint = line;
      continue;
    }
    std::string text = line;
    if (starts_with(text, "-o")) text = text.substr(2);  // tolerate "-o opts"
    std::string why;
    if (!apply_option_list(text, cfg, &why)) {
      *error = where + ":" + std::to_string(no) + ": " + why;
      return false;
    }
  }
  return true;
}

bool parse_mount_config(const std::vector<std::string>& args, MountConfig* cfg, std::string* error) {
  *cfg = MountConfig{};
  std::vector<std::string> cmd_options;  // in order; -H/-P/-S become mfs* options
  std::vector<std::string> positional;
  std::string config_from_c;

  auto take_value = [&](size_t& i, const std::string& arg, const char* flag, std::string* out) {
    if (arg.size() > 2) {
      *out = arg.substr(2);
      return true;
    }
    if (i + 1 >= args.size()) {
      *error = std::string("option ") + flag + " needs an argument";
      return false;
    }
    *out = args[++i];
    return true;
  };

  bool only_positional = false;
  for (size_t i = 1; i < args.size(); i++) {
    const std::string& arg = args[i];
    if (only_positional || arg.empty() || arg[0] != '-' || arg == "-") {
      positional.push_back(arg);
      continue;
    }
    std::string v;
    if (arg == "--") {
      only_positional = true;
    } else if (arg == "-h" || arg == "--help") {
      cfg->show_help = true;
    } else if (arg == "-V" || arg == "--version") {
      cfg->show_version = true;
    } else if (arg == "-f") {
      cfg->foreground = true;
    } else if (arg == "-d") {
      cfg->debug = true;
    } else if (arg == "-s") {
      cfg->single_thread = true;
    } else if (arg == "-p" || arg == "--password") {
      cfg->ask_password = true;
    } else if (arg == "-n") {
      cfg->no_default_options = true;
    } else if (arg == "-m" || arg == "--meta") {
      cfg->client.meta = true;
    } else if (starts_with(arg, "-o")) {
      if (!take_value(i, arg, "-o", &v)) return false;
      cmd_options.push_back(v);
    } else if (starts_with(arg, "-H")) {
      if (!take_value(i, arg, "-H", &v)) return false;
      cmd_options.push_back("mfsmaster=" + v);
    } else if (starts_with(arg, "-P")) {
      if (!take_value(i, arg, "-P", &v)) return false;
      cmd_options.push_back("mfsport=" + v);
    } else if (starts_with(arg, "-S")) {
      if (!take_value(i, arg, "-S", &v)) return false;
      cmd_options.push_back("mfssubfolder=" + v);
    } else if (starts_with(arg, "-B")) {
      if (!take_value(i, arg, "-B", &v)) return false;
      cmd_options.push_back("mfsbind=" + v);
    } else if (starts_with(arg, "-L")) {
      if (!take_value(i, arg, "-L", &v)) return false;
      cmd_options.push_back("mfsproxy=" + v);
    } else if (starts_with(arg, "-c")) {
      if (!take_value(i, arg, "-c", &v)) return false;
      config_from_c = v;
    } else {
      *error = "unknown option '" + arg + "' (see mfsmount -h)";
      return false;
    }
  }
  if (cfg->show_help || cfg->show_version) return true;

  std::string cmd_mountpoint;
  if (positional.size() > 2) {
    *error = "too many arguments: '" + positional[2] + "' (see mfsmount -h)";
    return false;
  }
  if (positional.size() == 2) {
    if (positional[0].find(':') == std::string::npos) {
      *error = "bad source '" + positional[0] + "' (want HOST[:PORT]:[PATH])";
      return false;
    }
    if (!parse_source(positional[0], &cmd_options, error)) return false;
    cmd_mountpoint = positional[1];
  } else if (positional.size() == 1) {
    cmd_mountpoint = positional[0];
  }

  // The configuration file first.
  find_config_file(cmd_options, cfg);
  if (!config_from_c.empty()) {
    cfg->config_file = config_from_c;
    cfg->config_file_given = true;
  }
  auto lines = read_config_lines(cfg->config_file);
  if (!lines) {
    if (cfg->config_file_given) {
      *error = lines.status().message();
      return false;
    }
  } else if (!apply_config_lines(*lines, cfg->config_file, cfg, error)) {
    return false;
  }

  // Then the command line over it.
  for (const std::string& list : cmd_options)
    if (!apply_option_list(list, cfg, error)) return false;
  if (!cmd_mountpoint.empty()) cfg->mountpoint = cmd_mountpoint;
  if (cfg->debug) cfg->foreground = true;

  if (cfg->mountpoint.empty()) {
    *error = "no mount point given (see mfsmount -h)";
    return false;
  }
  return true;
}

std::vector<std::string> fuse_mount_options(const MountConfig& cfg, bool export_readonly, bool is_root) {
  std::vector<std::string> out;
  out.push_back("fsname=mfs#" + cfg.client.master_host + ":" + std::to_string(cfg.client.master_port));
  out.push_back("subtype=mfs");
  if (is_root && !cfg.no_default_options) out.push_back("allow_other");
  bool has_ro = false;
  for (const std::string& o : cfg.fuse_options) {
    out.push_back(o);
    if (o == "ro") has_ro = true;
  }
  if (export_readonly && !has_ro) out.push_back("ro");
  if (cfg.debug) out.push_back("debug");
  return out;
}

void print_usage(const char* prog) {
  std::printf(
      "usage: %s [HOST[:PORT]:[PATH]] [options] MOUNTPOINT\n"
      "       %s -h|--help\n"
      "       %s -V|--version\n"
      "\n"
      "general options:\n"
      "    -h, --help                  print this help and exit\n"
      "    -V, --version               print the version and exit\n"
      "\n"
      "FUSE options:\n"
      "    -d, -o debug                FUSE debug output (implies -f)\n"
      "    -f                          stay in the foreground\n"
      "    -s                          single-threaded operation\n"
      "    -o max_threads=N            most threads serving requests (default: 64)\n"
      "    -o max_idle_threads=N       idle threads kept (default: 10)\n"
      "    -o max_write=N              largest write request, bytes (default: 1048576)\n"
      "    -o max_readahead=N          kernel read-ahead, bytes (default: 1048576)\n"
      "    other -o options (allow_other, ro, fsname=, ...) are passed to FUSE\n"
      "\n"
      "MFS options:\n"
      "    -c CFGFILE, -o mfscfgfile=CFGFILE\n"
      "                                read options from CFGFILE (default: %s)\n"
      "    -H HOST, -o mfsmaster=HOST  master host (default: mfsmaster)\n"
      "    -P PORT, -o mfsport=PORT    master port (default: 9421)\n"
      "    -S PATH, -o mfssubfolder=PATH\n"
      "                                mount this directory of the export (default: /)\n"
      "    -p                          ask for the password on the terminal\n"
      "    -n                          no default mount options (allow_other for root)\n"
      "    -o mfspassword=PASS         password of the export\n"
      "    -o mfspassfile=FILE         read the password from the first line of FILE\n"
      "    -o mfsmd5pass=HEX           MD5 of the password (32 hexadecimal digits)\n"
      "    -B IP, -o mfsbind=IP        local address to connect to the master from\n"
      "    -o mfsioretries=N           retries before an operation fails (default: 30)\n"
      "    -o mfswritecachesize=N      write cache, MiB (default: 128)\n"
      "    -o mfsreadaheadsize=N       read-ahead window, KiB or with a suffix: 8M (default: 4096)\n"
      "    -o mfsattrcacheto=SEC       attribute cache timeout (default: 1.0)\n"
      "    -o mfsxattrcacheto=SEC      how long an inode known to have no extended attributes\n"
      "                                is answered for locally (default: 1.0)\n"
      "    -o mfsnoxattrs              no extended attributes or ACLs (EOPNOTSUPP)\n"
      "    -o mfsentrycacheto=SEC      file entry cache timeout (default: 0.0)\n"
      "    -o mfsdirentrycacheto=SEC   directory entry cache timeout (default: 1.0)\n"
      "    -o mfsnegentrycacheto=SEC   negative lookup cache timeout (default: 0.0)\n"
      "    -o mfsgroupscacheto=SEC     supplementary groups cache timeout (default: 1.0)\n"
      "    -o mfscachemode=MODE        AUTO, YES, NO or DIRECT (default: AUTO)\n"
      "    -o mfsdebug                 debug messages in the log\n",
      prog, prog, prog, kDefaultConfigFile);
}

}  // namespace antler::mount
