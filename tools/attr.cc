#include "tools/attr.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "tools/common.h"

#include "common/msg/client.h"
#include "common/msg/tools.h"

namespace antler::tools {

namespace {

const char* const kEattrNames[8] = {"noowner",  "noattrcache", "noentrycache", "nodatacache",
                                    "snapshot", "undeletable", "appendonly",   "immutable"};

const char* label(uint8_t what) {
  switch (what) {
    case msg::kAttrGoal: return "goal";
    case msg::kAttrTrashtime: return "trashtime";
    default: return "attributes";
  }
}

std::string eattr_text(uint32_t bits) {
  std::string out;
  for (int i = 0; i < 8; i++)
    if (bits & (1u << i)) out += (out.empty() ? "" : ",") + std::string(kEattrNames[i]);
  return out.empty() ? "-" : out;
}

std::string value_text(uint8_t what, uint32_t v) { return what == msg::kAttrEattr ? eattr_text(v) : std::to_string(v); }

// "3", "3+", "3-" (goal) or a time ("86400", "1d", "2h30m", "1w", with + or -).
bool parse_value(uint8_t what, std::string s, uint32_t* v, uint8_t* mode) {
  *mode = msg::kSetExact;
  if (!s.empty() && (s.back() == '+' || s.back() == '-')) {
    *mode = s.back() == '+' ? msg::kSetRaise : msg::kSetLower;
    s.pop_back();
  }
  if (s.empty()) return false;
  if (what == msg::kAttrGoal) {
    if (s.size() != 1 || s[0] < '1' || s[0] > '9') return false;
    *v = static_cast<uint32_t>(s[0] - '0');
    return true;
  }
  return parse_duration(s, v);
}

void print_counts(const char* kind, uint8_t what, const std::vector<msg::ValueCount>& v, Format f) {
  for (const auto& c : v) {
    std::string prefix = std::string(" ") + kind + " with " + label(what) + " ";
    std::string val = value_text(what, c.value);
    int pad = 33 - static_cast<int>(prefix.size());
    std::printf("%s%*s :%11s\n", prefix.c_str(), pad > 0 ? pad : 0, val.c_str(), number(c.count, f).c_str());
  }
}

void print_set_result(const msg::ClToolSetReply& r, uint8_t what, Format f) {
  std::string l = label(what);
  std::printf(" inodes with %s changed:%*s\n", l.c_str(), static_cast<int>(40 - l.size()),
              number(r.changed, f).c_str());
  std::printf(" inodes with %s not changed:%*s\n", l.c_str(), static_cast<int>(36 - l.size()),
              number(r.not_changed, f).c_str());
  std::printf(" inodes with permission denied:%*s\n", 33, number(r.not_permitted, f).c_str());
}

int set_on(const std::vector<std::string>& paths, uint8_t what, uint32_t value, uint8_t mode, bool recursive,
           Format f) {
  int rc = for_each_path<msg::ClToolSetReply>(
      paths, [&](const Target& t) { return msg::ClToolSet{0, {}, t.inode, what, value, mode, recursive}; },
      [&](const std::string& p, const msg::ClToolSetReply& r) {
        if (recursive) {
          std::printf("%s:\n", p.c_str());
          print_set_result(r, what, f);
        } else if (what != msg::kAttrEattr) {
          std::printf("%s: %s: %u\n", p.c_str(), label(what), r.value);
        } else if (r.changed == 0) {
          std::printf("%s: attribute(s) not changed\n", p.c_str());
        } else {
          std::printf("%s: %s\n", p.c_str(), eattr_text(r.value).c_str());
        }
      });
  std::fflush(stdout);
  return rc;
}

}  // namespace

int get_attr_main(uint8_t what, bool recursive, int argc, char** argv) {
  std::string name = std::string(recursive ? "mfsrget" : "mfsget") + (what == msg::kAttrEattr ? "eattr" : label(what));
  auto app = make_app(name, std::string("print the ") + label(what) + " of objects in an Antler mount");
  bool r = recursive;
  FormatFlags ff;
  std::vector<std::string> paths;
  if (!recursive) app->add_flag("-r", r, "summarize the whole tree below each directory");
  add_format_flags(*app, &ff);
  app->add_option("path", paths, "files or directories inside a mount")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  Format f = ff.format();
  int rc = for_each_path<msg::ClToolGetReply>(
      paths,
      [&](const Target& t) {
        return msg::ClToolGet{0, {}, t.inode, what, r};
      },
      [&](const std::string& p, const msg::ClToolGetReply& rep) {
        if (!r) {
          std::printf("%s: %s\n", p.c_str(), value_text(what, rep.value).c_str());
          return;
        }
        std::printf("%s:\n", p.c_str());
        print_counts("files", what, rep.files, f);
        print_counts("directories", what, rep.dirs, f);
      });
  std::fflush(stdout);
  return rc;
}

int set_attr_main(uint8_t what, bool recursive, int argc, char** argv) {
  std::string name = std::string(recursive ? "mfsrset" : "mfsset") + label(what);
  bool goal = what == msg::kAttrGoal;
  auto app = make_app(name, std::string("set the ") + label(what) + " of objects in an Antler mount");
  bool r = recursive;
  FormatFlags ff;
  std::string value;
  std::vector<std::string> paths;
  if (!recursive) app->add_flag("-r", r, "also every object in the tree below each directory (those you own)");
  add_format_flags(*app, &ff);
  app->add_option(goal ? "GOAL" : "SECONDS", value,
                  goal ? "copies to keep, 1..9; N+ only raises, N- only lowers"
                       : "seconds in the trash (or 1w2d3h4m5s forms); N+ only raises, N- only lowers")
      ->required();
  app->add_option("path", paths, "files or directories inside a mount")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  uint32_t v = 0;
  uint8_t mode = 0;
  if (!parse_value(what, value, &v, &mode)) {
    std::cerr << app->help();
    return fail(value + ": wrong " + label(what) + " definition");
  }
  return set_on(paths, what, v, mode, r, ff.format());
}

int change_eattr_main(bool add, int argc, char** argv) {
  auto app =
      make_app(add ? "mfsseteattr" : "mfsdeleattr", add ? "add extra attributes to objects in an Antler mount"
                                                        : "remove extra attributes from objects in an Antler mount");
  bool r = false;
  FormatFlags ff;
  std::vector<std::string> names, paths;
  app->add_flag("-r", r, "also every object in the tree below each directory (those you own)");
  add_format_flags(*app, &ff);
  app->add_option("-f", names,
                  "attribute: noowner, noattrcache, noentrycache, nodatacache, snapshot, undeletable, appendonly, "
                  "immutable (repeat -f for several)")
      ->required()
      ->allow_extra_args(false);
  app->add_option("path", paths, "files or directories inside a mount")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  uint32_t bits = 0;
  for (const std::string& n : names) {
    int i = 0;
    while (i < 8 && n != kEattrNames[i]) i++;
    if (i == 8) {
      std::cerr << app->help();
      return fail(n + ": unknown attribute");
    }
    bits |= 1u << i;
  }
  return set_on(paths, msg::kAttrEattr, bits, add ? msg::kSetAddBits : msg::kSetDelBits, r, ff.format());
}

int copy_attr_main(uint8_t what, int argc, char** argv) {
  std::string name = std::string("mfscopy") + (what == msg::kAttrEattr ? "eattr" : label(what));
  auto app = make_app(name, std::string("copy the ") + label(what) + " of one object to others");
  bool r = false;
  FormatFlags ff;
  std::string src;
  std::vector<std::string> paths;
  app->add_flag("-r", r, "also every object in the tree below each destination directory (those you own)");
  add_format_flags(*app, &ff);
  app->add_option("source", src, "object whose value is copied")->required();
  app->add_option("path", paths, "objects that get it")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  uint32_t value = 0;
  int rc = for_each_path<msg::ClToolGetReply>(
      {src},
      [&](const Target& t) {
        return msg::ClToolGet{0, {}, t.inode, what, false};
      },
      [&](const std::string&, const msg::ClToolGetReply& rep) { value = rep.value; });
  if (rc != 0) return rc;
  return set_on(paths, what, value, msg::kSetExact, r, ff.format());
}

}  // namespace antler::tools
