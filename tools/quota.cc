// mfsgetquota, mfssetquota, mfsdelquota, mfscopyquota: directory quotas.
// Each prints the directory's quota table afterwards, as MooseFS 3.0 does:
//   DIR: (current values | soft quota | hard quota) ; soft quota grace period: default
//    inodes   |                    4 |                    2 |                   10 |
// with the columns as wide as the number format needs (plain: 20).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "common/msg/tools.h"
#include "tools/commands.h"
#include "tools/common.h"

namespace antler::tools {

namespace {

constexpr const char* kRows[4] = {"inodes", "length", "size", "realsize"};
constexpr char kRowFlags[4] = {'i', 'l', 's', 'r'};

void print_table(const std::string& path, const msg::ClQuotaReply& r, Format f) {
  std::string grace = r.grace ? std::to_string(r.grace) + " seconds" : "default";
  std::printf("%s: (current values | soft quota | hard quota) ; soft quota grace period: %s\n", path.c_str(),
              grace.c_str());
  int w = column_width(f);
  for (int k = 0; k < 4; k++) {
    bool bytes = k > 0;
    auto limit = [&](uint64_t v) { return v ? column_text(v, f, bytes) : std::string("-"); };
    std::printf(" %-8s | %*s | %*s | %*s |\n", kRows[k], w, column_text(r.usage.at(k), f, bytes).c_str(), w,
                limit(r.limits.at(k)).c_str(), w, limit(r.limits.at(4 + k)).c_str());
  }
}

// Sends one quota request per path and prints each table.
int run(const std::vector<std::string>& paths, const msg::ClQuota& q, Format f) {
  return for_each_path<msg::ClQuotaReply>(
      paths,
      [&](const Target& t) {
        msg::ClQuota m = q;
        m.inode = t.inode;
        return m;
      },
      [&](const std::string& p, const msg::ClQuotaReply& r) {
        if (r.usage.size() == 4 && r.limits.size() == msg::kQuotaSlots) print_table(p, r, f);
      });
}

}  // namespace

int getquota_main(int argc, char** argv) {
  auto app = make_app("mfsgetquota", "show the quota of directories and their usage below them");
  FormatFlags ff;
  std::vector<std::string> paths;
  add_format_flags(*app, &ff);
  app->add_option("dirname", paths, "directories")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  return run(paths, msg::ClQuota{0, {}, 0, msg::kQuotaGet, 0, {}, false, 0}, ff.format());
}

int setquota_main(int argc, char** argv) {
  auto app = make_app("mfssetquota",
                      "set quota limits of directories (limits not given are kept); root on an export with admin");
  FormatFlags ff;
  std::vector<std::string> paths;
  std::string values[msg::kQuotaSlots], grace;
  add_format_flags(*app, &ff);
  for (int k = 0; k < 4; k++) {
    std::string what = kRows[k];
    app->add_option(std::string("-") + kRowFlags[k], values[k], "soft limit of " + what + " (1.5G, 2Gi, ...)");
    app->add_option(std::string("-") + char(std::toupper(kRowFlags[k])), values[4 + k], "hard limit of " + what);
  }
  app->add_option("-p", grace, "grace period of the soft limits: seconds, or 1w2d3h4m5s");
  app->add_option("dirname", paths, "directories")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  msg::ClQuota q{0, {}, 0, msg::kQuotaSet, 0, std::vector<uint64_t>(msg::kQuotaSlots, 0), false, 0};
  for (uint32_t k = 0; k < msg::kQuotaSlots; k++) {
    if (values[k].empty()) continue;
    if (!parse_amount(values[k], &q.limits[k]))
      return fail(std::string("mfssetquota: bad ") + kRows[k % 4] + " limit: " + values[k]);
    q.mask |= static_cast<uint8_t>(1u << k);
  }
  if (q.mask == 0) return fail("mfssetquota: quota options not defined (give at least one of -i -I -l -L -s -S -r -R)");
  if (!grace.empty()) {
    if (!parse_duration(grace, &q.grace)) return fail("mfssetquota: bad grace period: " + grace);
    q.set_grace = true;
  }
  return run(paths, q, ff.format());
}

int delquota_main(int argc, char** argv) {
  auto app = make_app("mfsdelquota", "remove quota limits of directories; root on an export with admin");
  FormatFlags ff;
  std::vector<std::string> paths;
  bool flags[msg::kQuotaSlots] = {}, all_soft = false, all_hard = false;
  add_format_flags(*app, &ff);
  for (int k = 0; k < 4; k++) {
    std::string what = kRows[k];
    app->add_flag(std::string("-") + kRowFlags[k], flags[k], "remove the soft limit of " + what);
    app->add_flag(std::string("-") + char(std::toupper(kRowFlags[k])), flags[4 + k],
                  "remove the hard limit of " + what);
  }
  app->add_flag("-a", all_soft, "remove every soft limit");
  app->add_flag("-A", all_hard, "remove every hard limit");
  app->add_option("dirname", paths, "directories")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  msg::ClQuota q{0, {}, 0, msg::kQuotaDel, 0, {}, false, 0};
  for (uint32_t k = 0; k < msg::kQuotaSlots; k++)
    if (flags[k] || (k < 4 ? all_soft : all_hard)) q.mask |= static_cast<uint8_t>(1u << k);
  if (q.mask == 0)
    return fail("mfsdelquota: quota options not defined (give at least one of -i -I -l -L -s -S -r -R -a -A)");
  return run(paths, q, ff.format());
}

int copyquota_main(int argc, char** argv) {
  auto app = make_app("mfscopyquota", "give directories the quota limits and grace period of another one");
  FormatFlags ff;
  std::string src;
  std::vector<std::string> paths;
  add_format_flags(*app, &ff);
  app->add_option("source", src, "directory whose quota is copied")->required();
  app->add_option("dirname", paths, "directories that get it")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  msg::ClQuotaReply from;
  int rc = for_each_path<msg::ClQuotaReply>(
      {src}, [&](const Target& t) { return msg::ClQuota{0, {}, t.inode, msg::kQuotaGet, 0, {}, false, 0}; },
      [&](const std::string& p, const msg::ClQuotaReply& r) {
        from = r;
        if (r.usage.size() == 4 && r.limits.size() == msg::kQuotaSlots) print_table(p, r, ff.format());
      });
  if (rc != 0) return rc;
  if (from.limits.size() != msg::kQuotaSlots) return fail(src + ": bad reply from the master");
  // Every limit is set (those 0 in the source are removed) with the source's grace.
  return run(paths, msg::ClQuota{0, {}, 0, msg::kQuotaSet, 0xFF, from.limits, true, from.grace}, ff.format());
}

}  // namespace antler::tools
