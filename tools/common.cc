#include "tools/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace antler::tools {

namespace {

std::string parent_of(const std::string& p) {
  size_t slash = p.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

}  // namespace

Result<Target> locate(const std::string& path) {
  Target t;
  t.path = path;
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::string base = p.substr(p.find_last_of('/') + 1);
  // The directory part is resolved (symlinks, "..") ; the last name is not.
  std::string dir = (base == "." || base == ".." || p == "/") ? p : parent_of(p);
  char* real = ::realpath(dir.c_str(), nullptr);
  if (!real) return Status::from_errno(path, errno);
  std::string full = real;
  std::free(real);
  if (!(base == "." || base == ".." || p == "/")) full = (full == "/" ? "" : full) + "/" + base;
  struct stat st;
  if (::lstat(full.c_str(), &st) != 0) return Status::from_errno(path, errno);
  // The mount root: the highest directory on the same device.
  std::string root = S_ISDIR(st.st_mode) ? full : parent_of(full);
  while (root != "/") {
    struct stat up;
    std::string parent = parent_of(root);
    if (::stat(parent.c_str(), &up) != 0 || up.st_dev != st.st_dev) break;
    root = parent;
  }
  struct stat ctl;
  if (::stat((root + "/.antlerctl").c_str(), &ctl) != 0 || ctl.st_dev != st.st_dev)
    return Status::error(path + ": not MFS object");
  t.mount_root = root;
  t.inode = static_cast<uint32_t>(st.st_ino);
  t.dev = st.st_dev;
  t.is_dir = S_ISDIR(st.st_mode);
  return t;
}

Result<Frame> exchange(const std::string& mount_root, uint32_t type, const std::string& payload) {
  std::string ctl = mount_root + "/.antlerctl";
  int fd = ::open(ctl.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(ctl, errno);
  std::string frame(8, '\0');
  uint32_t hdr[2] = {type, static_cast<uint32_t>(payload.size())};
  std::memcpy(frame.data(), hdr, 8);
  frame += payload;
  ssize_t w = ::write(fd, frame.data(), frame.size());
  if (w != static_cast<ssize_t>(frame.size())) {
    Status s = w < 0 ? Status::from_errno("request to the master failed", errno)
                     : Status::error("request to the master failed: short write", St::kIO);
    ::close(fd);
    return s;
  }
  std::string in;
  char buf[65536];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof(buf));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    in.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  if (in.size() < 8) return Status::error("no reply from the master", St::kIO);
  std::memcpy(hdr, in.data(), 8);
  if (hdr[1] != in.size() - 8) return Status::error("truncated reply from the master", St::kIO);
  return Frame{hdr[0], in.substr(8)};
}

std::string describe(St st) { return std::strerror(to_errno(st)); }

Format FormatFlags::format() const {
  if (n) return Format::kPlain;
  if (h) return Format::kBinary;
  if (H) return Format::kDecimal;
  if (k) return Format::kKiB;
  if (m) return Format::kMiB;
  if (g) return Format::kGiB;
  const char* env = std::getenv("MFSHRFORMAT");
  switch (env && env[0] >= '0' && env[0] <= '4' && env[1] == '\0' ? env[0] - '0' : 0) {
    case 1: return Format::kBinary;
    case 2: return Format::kDecimal;
    case 3: return Format::kPlainBinary;
    case 4: return Format::kPlainDecimal;
    default: return Format::kPlain;
  }
}

void add_format_flags(CLI::App& app, FormatFlags* f) {
  auto* g = app.add_option_group("number format");
  g->add_flag("-n", f->n, "plain numbers");
  g->add_flag("-h", f->h, "human-readable numbers, powers of 1024 (Ki, Mi, ...)");
  g->add_flag("-H", f->H, "human-readable numbers, powers of 1000 (k, M, ...)");
  g->add_flag("-k", f->k, "numbers in KiB");
  g->add_flag("-m", f->m, "numbers in MiB");
  g->add_flag("-g", f->g, "numbers in GiB");
  g->require_option(0, 1);
}

namespace {

std::string human(uint64_t v, unsigned base) {
  static const char* bin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  static const char* dec[] = {"", "k", "M", "G", "T", "P", "E"};
  double x = static_cast<double>(v);
  int i = 0;
  while (x >= base && i < 6) {
    x /= base;
    i++;
  }
  char out[32];
  if (i == 0) std::snprintf(out, sizeof(out), "%llu", static_cast<unsigned long long>(v));
  else std::snprintf(out, sizeof(out), "%.*f%s", x < 10 ? 2 : x < 100 ? 1 : 0, x, base == 1024 ? bin[i] : dec[i]);
  return out;
}

}  // namespace

std::string number(uint64_t v, Format f) {
  switch (f) {
    case Format::kPlain: return std::to_string(v);
    case Format::kBinary: return human(v, 1024);
    case Format::kDecimal: return human(v, 1000);
    case Format::kPlainBinary: return std::to_string(v) + " (" + human(v, 1024) + ")";
    case Format::kPlainDecimal: return std::to_string(v) + " (" + human(v, 1000) + ")";
    case Format::kKiB: return std::to_string((v + 1023) >> 10);
    case Format::kMiB: return std::to_string((v + (1u << 20) - 1) >> 20);
    case Format::kGiB: return std::to_string((v + (1u << 30) - 1) >> 30);
  }
  return std::to_string(v);
}

bool parse_amount(const std::string& s, uint64_t* v) {
  // digits, an optional fraction, an optional SI (k M G T P E) or IEC (Ki Mi ...) prefix
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) i++;
  if (i == 0 || s.find('.') != s.rfind('.') || s[0] == '.') return false;
  long double x = std::strtold(s.substr(0, i).c_str(), nullptr);
  std::string unit = s.substr(i);
  static const std::string kPrefixes = "kMGTPE";
  long double mult = 1;
  if (!unit.empty()) {
    size_t p = kPrefixes.find(unit[0] == 'K' ? 'k' : unit[0]);
    if (p == std::string::npos || unit.size() > 2 || (unit.size() == 2 && unit[1] != 'i')) return false;
    long double base = unit.size() == 2 ? 1024.0L : 1000.0L;
    for (size_t k = 0; k <= p; k++) mult *= base;
  }
  x *= mult;
  if (x >= 18446744073709551615.0L) return false;
  *v = static_cast<uint64_t>(x + 0.5L);
  return true;
}

namespace {

// Scaled with one decimal below 10 ("1.0MiB", "293KiB", "418kB"); byte
// counts carry a "B".
std::string scaled(uint64_t v, unsigned base, bool bytes) {
  static const char* bin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  static const char* dec[] = {"", "k", "M", "G", "T", "P", "E"};
  const char* b = bytes ? "B" : "";
  if (v < 1000) return std::to_string(v) + b;
  long double x = static_cast<long double>(v);
  int i = 0;
  while (x >= 999.5L && i < 6) {
    x /= base;
    i++;
  }
  char out[32];
  std::snprintf(out, sizeof(out), "%.*Lf%s%s", x < 9.95L ? 1 : 0, x, base == 1024 ? bin[i] : dec[i], b);
  return out;
}

}  // namespace

int column_width(Format f) {
  switch (f) {
    case Format::kBinary: return 6;
    case Format::kDecimal: return 5;
    case Format::kKiB: return 17;
    case Format::kMiB: return 14;
    case Format::kGiB: return 11;
    default: return 20;
  }
}

std::string column_text(uint64_t v, Format f, bool bytes) {
  switch (f) {
    case Format::kBinary: return scaled(v, 1024, bytes);
    case Format::kDecimal: return scaled(v, 1000, bytes);
    case Format::kKiB: return std::to_string(v >> 10);
    case Format::kMiB: return std::to_string(v >> 20);
    case Format::kGiB: return std::to_string(v >> 30);
    default: return std::to_string(v);
  }
}

int fail(const std::string& message) {
  std::cerr << message << "\n";
  return 1;
}

int fail(const Status& status) { return fail(status.to_string()); }

std::unique_ptr<CLI::App> make_app(const std::string& name, const std::string& description) {
  auto app = std::make_unique<CLI::App>(description, name);
  app->set_help_flag("--help", "print this help and exit");
  return app;
}

int parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\n" << app.help();
    return 1;
  }
  return -1;
}

}  // namespace antler::tools
