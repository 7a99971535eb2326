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

Status parse_seconds(const std::string& key, const std::string& value, double* out) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v < 0)
    return Status::error("bad value '" + value + "' for " + key + " (want seconds, e.g. 1.5)");
  *out = v;
  return Status();
}

Status parse_uint(const std::string& key, const std::string& value, int64_t min, int64_t max, int64_t* out) {
  int64_t v = 0;
  if (!parse_int_with_suffix(value, v) || v < min || v > max) {
    return Status::error("bad value '" + value + "' for " + key + " (want a number from " + std::to_string(min) +
                         " to " + std::to_string(max) + ")");
  }
  *out = v;
  return Status();
}

// A size: a plain number counts in `unit` bytes; with a suffix (k, M, G, T,
// optionally followed by "B" or "iB") it is bytes. Returns the size in units,
// rounded up.
Status parse_size(const std::string& key, const std::string& value, int64_t unit, int64_t max_units, int64_t* out) {
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
  if (!ok || v > max_units) return Status::error("bad value '" + value + "' for " + key);
  *out = v;
  return Status();
}

// MooseFS mount options that this client accepts for compatibility but does
// not act on (a warning is printed).
constexpr const char* kIgnoredMfsOptions[] = {
    "mfsproxy",
    "mfsdelayedinit",
    "mfsnice",
    "mfsmemlock",
    "mfslimitarenas",
    "mfsrlimitnofile",
    "mfsmkdircopysgid",
    "mfssugidclearmode",
    "mfsfsyncbeforeclose",
    "mfsfsyncmintime",
    "mfsreadaheadleng",
    "mfsreadaheadtrigger",
    "mfsdonotrememberpassword",
    "mfsuniqmode",
    "mfsaclcacheto",
    "mfsflattrash",
    "mfswritecachetime",
    "mfscachefiles",
};

// Options of mount(8) and fstab that mean nothing to a FUSE mount.
bool is_fstab_only(const std::string& key) {
  static constexpr const char* kKeys[] = {"defaults", "_netdev", "nofail", "auto",  "noauto",
                                          "user",     "nouser",  "users",  "owner", "group"};
  for (const char* k : kKeys)
    if (key == k) return true;
  return starts_with(key, "x-") || starts_with(key, "comment=");
}

Status read_password_file(const std::string& path, std::string* password) {
  std::ifstream in(path);
  if (!in) return Status::error("cannot read password file '" + path + "'", St::kIO);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  *password = line;
  return Status();
}

Status apply_mfs_option(const std::string& key, const std::string& value, bool has_value, MountConfig* cfg) {
  auto need_value = [&] { return Status::error("option " + key + " needs a value (" + key + "=...)"); };
  const bool valued = has_value && !value.empty();
  int64_t n = 0;
  if (key == "mfsmaster") {
    if (!valued) return need_value();
    cfg->client.master_host = value;
  } else if (key == "mfsport") {
    if (!valued) return need_value();
    if (Status s = parse_uint(key, value, 1, 65535, &n); !s.ok()) return s;
    cfg->client.master_port = static_cast<uint16_t>(n);
  } else if (key == "mfssubfolder") {
    if (!valued) return need_value();
    cfg->client.subdir = value[0] == '/' ? value : "/" + value;
  } else if (key == "mfspassword") {
    if (!has_value) return need_value();
    cfg->client.password = value;
  } else if (key == "mfspassfile") {
    if (!valued) return need_value();
    return read_password_file(value, &cfg->client.password);
  } else if (key == "mfsmd5pass") {
    if (!valued) return need_value();
    auto md5 = auth::from_hex(value);
    if (!md5) return Status::error("bad value for mfsmd5pass: the MD5 of the password is 32 hexadecimal digits");
    cfg->client.password_md5 = *md5;
  } else if (key == "mfsbind") {
    if (!valued) return need_value();
    uint32_t ip = 0;
    if (!net::resolve_ipv4(value, ip))
      return Status::error("bad value '" + value + "' for mfsbind: not a local IPv4 address or host name");
    cfg->client.bind_host = value;
  } else if (key == "mfsmetricsport") {
    if (!valued) return need_value();
    if (Status s = parse_uint(key, value, 0, 65535, &n); !s.ok()) return s;
    cfg->metrics_port = static_cast<uint16_t>(n);
    cfg->metrics_port_given = true;
  } else if (key == "mfsmetricshost") {
    if (!valued) return need_value();
    cfg->metrics_host = value;
  } else if (key == "mfsioretries") {
    if (!valued) return need_value();
    if (Status s = parse_uint(key, value, 0, 1000000, &n); !s.ok()) return s;
    cfg->client.io_retries = static_cast<int>(n);
  } else if (key == "mfswritecachesize") {  // MiB
    if (!valued) return need_value();
    if (Status s = parse_size(key, value, 1 << 20, 1 << 22, &n); !s.ok()) return s;
    cfg->client.write_cache_mb = static_cast<uint32_t>(n);
  } else if (key == "mfsreadaheadsize") {  // KiB
    if (!valued) return need_value();
    if (Status s = parse_size(key, value, 1 << 10, 1 << 22, &n); !s.ok()) return s;
    cfg->client.readahead_kb = static_cast<uint32_t>(n);
  } else if (key == "mfsattrcacheto") {
    if (!valued) return need_value();
    return parse_seconds(key, value, &cfg->attr_cache_s);
  } else if (key == "mfsentrycacheto") {
    if (!valued) return need_value();
    return parse_seconds(key, value, &cfg->entry_cache_s);
  } else if (key == "mfsdirentrycacheto") {
    if (!valued) return need_value();
    return parse_seconds(key, value, &cfg->direntry_cache_s);
  } else if (key == "mfsnegentrycacheto") {
    if (!valued) return need_value();
    return parse_seconds(key, value, &cfg->negentry_cache_s);
  } else if (key == "mfsgroupscacheto") {
    if (!valued) return need_value();
    return parse_seconds(key, value, &cfg->groups_cache_s);
  } else if (key == "mfscachemode") {
    if (!valued) return need_value();
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
      return Status::error("bad value '" + value + "' for mfscachemode (want AUTO, YES, NO or DIRECT)");
    }
  } else if (key == "mfscfgfile") {
    if (!valued) return need_value();
    // Chosen before any file is read (see parse_mount_config); inside a
    // configuration file it is ignored.
  } else if (key == "mfsxattrcacheto") {
    if (!valued) return need_value();
    double v = 0;
    if (Status s = parse_seconds(key, value, &v); !s.ok()) return s;
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
        return Status();
      }
    }
    return Status::error("unknown option '" + key + "'");
  }
  return Status();
}

Status apply_uint_option(const std::string& key, const std::string& value, int64_t min, int64_t max, unsigned* out) {
  int64_t n = 0;
  if (Status s = parse_uint(key, value, min, max, &n); !s.ok()) return s;
  *out = static_cast<unsigned>(n);
  return Status();
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
Status parse_source(const std::string& src, std::vector<std::string>* cmd_options) {
  size_t last = src.rfind(':');
  std::string path = src.substr(last + 1);
  std::string host = src.substr(0, last);
  std::vector<std::string> opts;
  size_t colon = host.find(':');
  if (colon != std::string::npos) {
    opts.push_back("mfsport=" + host.substr(colon + 1));
    host.resize(colon);
  }
  if (host.empty()) return Status::error("bad source '" + src + "' (want HOST[:PORT]:[PATH])");
  opts.insert(opts.begin(), "mfsmaster=" + host);
  if (!path.empty()) opts.push_back("mfssubfolder=" + path);
  cmd_options->insert(cmd_options->begin(), opts.begin(), opts.end());
  return Status();
}

}  // namespace

Status apply_option(const std::string& opt, MountConfig* cfg) {
  if (opt.empty()) return Status();
  size_t eq = opt.find('=');
  bool has_value = eq != std::string::npos;
  std::string key = trim(has_value ? opt.substr(0, eq) : opt);
  std::string value = has_value ? trim(opt.substr(eq + 1)) : std::string();
  if (key.empty()) return Status();

  if (starts_with(key, "mfs")) return apply_mfs_option(key, value, has_value, cfg);
  if (key == "debug") {
    cfg->debug = true;
    cfg->foreground = true;
    return Status();
  }
  if (key == "max_threads") return apply_uint_option(key, value, 1, 100000, &cfg->max_threads);
  if (key == "max_idle_threads") return apply_uint_option(key, value, 1, 100000, &cfg->max_idle_threads);
  if (key == "max_write") return apply_uint_option(key, value, 4096, 1 << 20, &cfg->max_write);
  if (key == "max_readahead") return apply_uint_option(key, value, 0, 1 << 30, &cfg->max_readahead);
  if (key == "nonempty") return Status();  // FUSE 3 mounts over non-empty directories anyway
  std::string clean = has_value ? key + "=" + value : key;
  if (is_fstab_only(clean)) return Status();
  cfg->fuse_options.push_back(clean);
  return Status();
}

Status apply_option_list(const std::string& list, MountConfig* cfg) {
  for (const std::string& opt : split_commas(list))
    if (Status s = apply_option(opt, cfg); !s.ok()) return s;
  return Status();
}

Status apply_config_lines(const std::vector<std::pair<int, std::string>>& lines, const std::string& where,
                          MountConfig* cfg) {
  for (const auto& [no, line] : lines) {
    if (line[0] == '/') {
      cfg->mountpoint = line;
      continue;
    }
    std::string text = line;
    if (starts_with(text, "-o")) text = text.substr(2);  // tolerate "-o opts"
    if (Status s = apply_option_list(text, cfg); !s.ok()) return s.with_context(where + ":" + std::to_string(no));
  }
  return Status();
}

Status parse_mount_config(const std::vector<std::string>& args, MountConfig* cfg) {
  *cfg = MountConfig{};
  std::vector<std::string> cmd_options;  // in order; -H/-P/-S become mfs* options
  std::vector<std::string> positional;
  std::string config_from_c;

  auto take_value = [&](size_t& i, const std::string& arg, const char* flag, std::string* out) {
    if (arg.size() > 2) {
      *out = arg.substr(2);
      return Status();
    }
    if (i + 1 >= args.size()) return Status::error(std::string("option ") + flag + " needs an argument");
    *out = args[++i];
    return Status();
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
      if (Status s = take_value(i, arg, "-o", &v); !s.ok()) return s;
      cmd_options.push_back(v);
    } else if (starts_with(arg, "-H")) {
      if (Status s = take_value(i, arg, "-H", &v); !s.ok()) return s;
      cmd_options.push_back("mfsmaster=" + v);
    } else if (starts_with(arg, "-P")) {
      if (Status s = take_value(i, arg, "-P", &v); !s.ok()) return s;
      cmd_options.push_back("mfsport=" + v);
    } else if (starts_with(arg, "-S")) {
      if (Status s = take_value(i, arg, "-S", &v); !s.ok()) return s;
      cmd_options.push_back("mfssubfolder=" + v);
    } else if (starts_with(arg, "-B")) {
      if (Status s = take_value(i, arg, "-B", &v); !s.ok()) return s;
      cmd_options.push_back("mfsbind=" + v);
    } else if (starts_with(arg, "-L")) {
      if (Status s = take_value(i, arg, "-L", &v); !s.ok()) return s;
      cmd_options.push_back("mfsproxy=" + v);
    } else if (starts_with(arg, "-c")) {
      if (Status s = take_value(i, arg, "-c", &v); !s.ok()) return s;
      config_from_c = v;
    } else {
      return Status::error("unknown option '" + arg + "' (see mfsmount -h)");
    }
  }
  if (cfg->show_help || cfg->show_version) return Status();

  std::string cmd_mountpoint;
  if (positional.size() > 2) return Status::error("too many arguments: '" + positional[2] + "' (see mfsmount -h)");
  if (positional.size() == 2) {
    if (positional[0].find(':') == std::string::npos)
      return Status::error("bad source '" + positional[0] + "' (want HOST[:PORT]:[PATH])");
    if (Status s = parse_source(positional[0], &cmd_options); !s.ok()) return s;
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
    if (cfg->config_file_given) return lines.status();
  } else if (Status s = apply_config_lines(*lines, cfg->config_file, cfg); !s.ok()) {
    return s;
  }

  // Then the command line over it.
  for (const std::string& list : cmd_options)
    if (Status s = apply_option_list(list, cfg); !s.ok()) return s;
  if (!cmd_mountpoint.empty()) cfg->mountpoint = cmd_mountpoint;
  if (cfg->debug) cfg->foreground = true;

  if (cfg->mountpoint.empty()) return Status::error("no mount point given (see mfsmount -h)");
  return Status();
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
      "    -o mfsmetricsport=N         port of /metrics and /health (default: 9433, used when\n"
      "                                free; 0: none)\n"
      "    -o mfsmetricshost=IP        their address (default: *, every address)\n"
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
