#include "daemons/chunkserver/storage/hdd_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/config.h"

namespace antler::cs {

bool parse_size(const std::string& text, int64_t& out) {
  std::string t = text;
  auto strip = [&](const char* suffix) {
    size_t n = std::strlen(suffix);
    if (t.size() > n && strcasecmp(t.c_str() + t.size() - n, suffix) == 0) {
      t.resize(t.size() - n);
      return true;
    }
    return false;
  };
  // "256MiB" and "256MB" both mean 256 * 2^20, like MooseFS; bare "B" means bytes.
  if (!strip("iB")) strip("B");
  if (t.empty() ||
      !(std::isdigit(static_cast<unsigned char>(t.back())) || std::strchr("kKmMgGtT", t.back()) != nullptr))
    return false;
  return parse_int_with_suffix(t, out);
}

Result<std::vector<DiskSpec>> load_hdd_config(const std::string& file) {
  std::vector<DiskSpec> out;
  {
    std::ifstream probe(file);
    if (!probe) return Status::from_errno(file + ": cannot open disk list (HDD_CONF_FILENAME)", errno);
  }
  auto lines = read_config_lines(file);
  if (!lines) return lines.status();
  for (const auto& [no, text] : *lines) {
    std::string where = file + ":" + std::to_string(no);
    DiskSpec d;
    d.origin = where;
    std::string s = text;
    // Markers: '*' removal, '<' move out, '>' move in, '~' (size changes
    // tolerated: accepted, nothing to do here).
    while (!s.empty() && (s[0] == '*' || s[0] == '<' || s[0] == '>' || s[0] == '~')) {
      if (s[0] == '*') d.removal = true;
      if (s[0] == '<') d.move_out = true;
      if (s[0] == '>') d.move_in = true;
      s.erase(0, 1);
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s[0]))) s.erase(0, 1);
    }
    // Optional size limit: the last whitespace-separated token.
    size_t ws = s.find_last_of(" \t");
    if (ws != std::string::npos) {
      std::string tok = s.substr(ws + 1);
      std::string path = s.substr(0, ws);
      while (!path.empty() && std::isspace(static_cast<unsigned char>(path.back()))) path.pop_back();
      int64_t v = 0;
      if (!parse_size(tok, v))
        return Status::error(where + ": '" + tok + "' is not a size limit (e.g. 100GiB or -10GiB)");
      if (v == 0) return Status::error(where + ": size limit must not be zero");
      d.limit = v;
      s = path;
    }
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    if (s.empty()) return Status::error(where + ": missing folder name");
    if (s[0] != '/') return Status::error(where + ": '" + s + "' is not an absolute path");
    struct stat st {};
    if (::stat(s.c_str(), &st) < 0) return Status::from_errno(where + ": " + s, errno);
    if (!S_ISDIR(st.st_mode)) return Status::error(where + ": " + s + ": not a directory");
    if (::access(s.c_str(), W_OK | X_OK) < 0) return Status::from_errno(where + ": " + s + ": not writable", errno);
    for (const auto& other : out) {
      if (other.path == s) return Status::error(where + ": " + s + ": listed twice (first at " + other.origin + ")");
    }
    d.path = s;
    out.push_back(d);
  }
  if (out.empty()) return Status::error(file + ": no disk folders listed");
  return out;
}

}  // namespace antler::cs
