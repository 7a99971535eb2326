// Configuration files: classic MooseFS `KEY = VALUE` lines with `#` comments,
// or the same keys as a YAML mapping (files ending in .yaml/.yml).
//
// Each daemon declares one table of typed keys with defaults and ranges.
// load() returns an error naming file, line and key for a bad value; unknown
// keys are reported as warnings (they are often keys of newer versions).
//
// Values are read by name only through a ConfigReader, in the one function
// per daemon that fills its typed settings struct (load_master_settings,
// load_chunkserver_settings, load_daemon_settings); everything else reads the
// struct's fields.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace antler {

struct KeyDef {
  enum Type { kInt, kString, kBool };
  std::string name;
  Type type = kString;
  std::string default_value;  // as text; empty string default for strings
  int64_t min = INT64_MIN;
  int64_t max = INT64_MAX;
};

class Config {
 public:
  // Loads path against defs. On failure the Status holds a one-line message
  // "FILE:LINE: KEY: reason". A missing file is an error unless missing_ok
  // (defaults are then used).
  static Result<Config> load(const std::string& path, const std::vector<KeyDef>& defs,
                             std::vector<std::string>* warnings, bool missing_ok = false);
  // Only defaults (for tests and tools).
  static Config defaults(const std::vector<KeyDef>& defs);

  void set(const std::string& key, const std::string& value);  // tests/overrides

 private:
  friend class ConfigReader;
  struct Value {
    std::string text;
    int64_t num = 0;
    std::string origin = "default";
  };
  std::map<std::string, Value> values_;
};

// Reads values of a Config by name, for a settings loader. A key that the
// table does not declare reads as 0 or "" and makes status() an error naming
// it, so that a mistyped name fails start-up (and the unit test that loads
// the defaults) rather than a request at run time.
class ConfigReader {
 public:
  explicit ConfigReader(const Config& cfg) : cfg_(cfg) {}

  int64_t num(const std::string& key);
  const std::string& str(const std::string& key);
  bool flag(const std::string& key) { return num(key) != 0; }
  // Where a key was set ("file:line"), or "default".
  std::string origin(const std::string& key);
  // OK, or "config key not declared: KEY" for the first undeclared key read.
  const Status& status() const { return status_; }

 private:
  const Config::Value* find(const std::string& key);

  const Config& cfg_;
  Status status_;
};

// Parses "123", "10k", "5M", "2G", "1T" (powers of 1024) and plain integers.
bool parse_int_with_suffix(const std::string& text, int64_t& out);
// Splits simple "KEY = VALUE" text files (like mfshdd.cfg lines), trimming
// comments and whitespace; returns (line number, content) for non-empty lines,
// or "PATH: cannot open file".
Result<std::vector<std::pair<int, std::string>>> read_config_lines(const std::string& path);
// The same for text already in memory.
std::vector<std::pair<int, std::string>> config_lines(const std::string& text);

}  // namespace antler
