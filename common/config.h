// Configuration files: classic MooseFS `KEY = VALUE` lines with `#` comments,
// or the same keys as a YAML mapping (files ending in .yaml/.yml).
//
// Each daemon declares one table of typed keys with defaults and ranges.
// load() returns an error naming file, line and key for a bad value; unknown
// keys are reported as warnings (they are often keys of newer versions).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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
  // Loads path against defs. On failure returns nullopt and sets *error to a
  // one-line message "FILE:LINE: KEY: reason". A missing file is an error
  // unless missing_ok (defaults are then used).
  static std::optional<Config> load(const std::string& path, const std::vector<KeyDef>& defs,
                                    std::string* error, std::vector<std::string>* warnings,
                                    bool missing_ok = false);
  // Only defaults (for tests and tools).
  static Config defaults(const std::vector<KeyDef>& defs);

  int64_t num(const std::string& key) const;
  const std::string& str(const std::string& key) const;
  bool flag(const std::string& key) const;
  // Where a key was set ("file:line"), or "default".
  std::string origin(const std::string& key) const;
  void set(const std::string& key, const std::string& value);  // tests/overrides

 private:
  struct Value {
    std::string text;
    int64_t num = 0;
    std::string origin = "default";
  };
  std::map<std::string, Value> values_;
};

// Parses "123", "10k", "5M", "2G", "1T" (powers of 1024) and plain integers.
bool parse_int_with_suffix(const std::string& text, int64_t& out);
// Splits simple "KEY = VALUE" text files (like mfshdd.cfg lines), trimming
// comments and whitespace; returns (line number, content) for non-empty lines.
std::vector<std::pair<int, std::string>> read_config_lines(const std::string& path, std::string* error);
// The same for text already in memory.
std::vector<std::pair<int, std::string>> config_lines(const std::string& text);

}  // namespace antler
