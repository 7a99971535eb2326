#include "common/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace antler {

namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) b++;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) e--;
  return s.substr(b, e - b);
}

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

// Validates text for def; on success stores into v.
bool convert(const KeyDef& def, const std::string& text, int64_t& num, std::string& why) {
  switch (def.type) {
    case KeyDef::kInt:
      if (!parse_int_with_suffix(text, num)) {
        why = "'" + text + "' is not an integer";
        return false;
      }
      if (num < def.min || num > def.max) {
        why = "value " + text + " out of range [" + std::to_string(def.min) + ", " + std::to_string(def.max) + "]";
        return false;
      }
      return true;
    case KeyDef::kBool: {
      std::string t = text;
      std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
      if (t == "1" || t == "yes" || t == "true" || t == "on") num = 1;
      else if (t == "0" || t == "no" || t == "false" || t == "off") num = 0;
      else {
        why = "'" + text + "' is not a boolean (0/1, yes/no)";
        return false;
      }
      return true;
    }
    case KeyDef::kString: return true;
  }
  return true;
}

}  // namespace

bool parse_int_with_suffix(const std::string& text, int64_t& out) {
  std::string t = trim(text);
  if (t.empty()) return false;
  int64_t mult = 1;
  char last = static_cast<char>(std::toupper(static_cast<unsigned char>(t.back())));
  if (last == 'K' || last == 'M' || last == 'G' || last == 'T') {
    mult = last == 'K' ? 1LL << 10 : last == 'M' ? 1LL << 20 : last == 'G' ? 1LL << 30 : 1LL << 40;
    t.pop_back();
  }
  size_t pos = 0;
  try {
    long long v = std::stoll(t, &pos, 10);
    if (pos != t.size()) return false;
    out = v * mult;
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

std::vector<std::pair<int, std::string>> config_lines(const std::string& text) {
  std::vector<std::pair<int, std::string>> out;
  std::istringstream in(text);
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    no++;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (!line.empty()) out.emplace_back(no, line);
  }
  return out;
}

Result<std::vector<std::pair<int, std::string>>> read_config_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::error(path + ": cannot open file", St::kIO);
  std::stringstream ss;
  ss << in.rdbuf();
  return config_lines(ss.str());
}

Config Config::defaults(const std::vector<KeyDef>& defs) {
  Config c;
  for (const auto& d : defs) {
    Value v;
    v.text = d.default_value;
    std::string why;
    if (d.type != KeyDef::kString) convert(d, d.default_value, v.num, why);
    c.values_[d.name] = v;
  }
  return c;
}

Result<Config> Config::load(const std::string& path, const std::vector<KeyDef>& defs,
                            std::vector<std::string>* warnings, bool missing_ok) {
  Config c = defaults(defs);
  auto find_def = [&](const std::string& k) -> const KeyDef* {
    for (const auto& d : defs)
      if (d.name == k) return &d;
    return nullptr;
  };
  auto apply = [&](const std::string& key, const std::string& text, int line) -> Status {
    std::string where = path + ":" + std::to_string(line);
    const KeyDef* d = find_def(key);
    if (!d) {
      if (warnings) warnings->push_back(where + ": " + key + ": unknown key, ignored");
      return Status();
    }
    int64_t num = 0;
    std::string why;
    if (!convert(*d, text, num, why)) return Status::error(where + ": " + key + ": " + why);
    c.values_[key] = Value{text, num, where};
    return Status();
  };

  std::ifstream probe(path);
  if (!probe) {
    if (missing_ok) return c;
    return Status::error(path + ": cannot open configuration file", St::kIO);
  }
  if (ends_with(path, ".yaml") || ends_with(path, ".yml")) {
    try {
      YAML::Node root = YAML::LoadFile(path);
      if (!root.IsNull() && !root.IsMap()) return Status::error(path + ":1: top level must be a mapping of KEY: value");
      for (auto it = root.begin(); it != root.end(); ++it) {
        std::string key = it->first.as<std::string>();
        int line = it->first.Mark().line + 1;
        if (!it->second.IsScalar())
          return Status::error(path + ":" + std::to_string(line) + ": " + key + ": value must be a scalar");
        if (Status st = apply(key, it->second.as<std::string>(), line); !st) return st;
      }
    } catch (const YAML::Exception& e) {
      return Status::error(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    return c;
  }
  auto lines = read_config_lines(path);
  if (!lines) return lines.status();
  for (const auto& [no, line] : *lines) {
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return Status::error(path + ":" + std::to_string(no) + ": " + line + ": expected KEY = VALUE");
    if (Status st = apply(trim(line.substr(0, eq)), trim(line.substr(eq + 1)), no); !st) return st;
  }
  return c;
}

void Config::set(const std::string& key, const std::string& value) {
  Value& v = values_[key];
  v.text = value;
  parse_int_with_suffix(value, v.num);
  v.origin = "override";
}

const Config::Value* ConfigReader::find(const std::string& key) {
  auto it = cfg_.values_.find(key);
  if (it != cfg_.values_.end()) return &it->second;
  if (status_.ok()) status_ = Status::error("config key not declared: " + key);
  return nullptr;
}

int64_t ConfigReader::num(const std::string& key) {
  const Config::Value* v = find(key);
  return v ? v->num : 0;
}

const std::string& ConfigReader::str(const std::string& key) {
  static const std::string kEmpty;
  const Config::Value* v = find(key);
  return v ? v->text : kEmpty;
}

std::string ConfigReader::origin(const std::string& key) {
  const Config::Value* v = find(key);
  return v ? v->origin : "unknown";
}

}  // namespace antler
