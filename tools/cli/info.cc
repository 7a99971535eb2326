// -SIG (master info), -SIC (the chunk matrix and classes) and -SIN (both),
// from one CliInfo reply.
#include <algorithm>
#include <cstdio>

#include "tools/cli/cli.h"

namespace antler::tools::cli {

namespace {

void print_info(const msg::CliInfoReply& r, const Style& style) {
  bool tty = style.tty;
  Table t(tty ? "Master Info" : "master info", {"", "value"});
  t.add({"master version", r.version});
  t.add({"RAM used", bytes_text(r.ram_bytes, tty)});
  double up = std::max<double>(1.0, static_cast<double>(r.uptime_ms) * 1000.0);  // in us
  double sys = static_cast<double>(r.cpu_sys_us) / up, user = static_cast<double>(r.cpu_user_us) / up;
  char buf[64];
  if (tty) {
    std::snprintf(buf, sizeof buf, "%.2f%%", (sys + user) * 100);
    t.add({"CPU used", buf});
  }
  std::snprintf(buf, sizeof buf, tty ? "%.2f%%" : "%.9f", tty ? sys * 100 : sys);
  t.add({"CPU used (system)", buf});
  std::snprintf(buf, sizeof buf, tty ? "%.2f%%" : "%.9f", tty ? user * 100 : user);
  t.add({"CPU used (user)", buf});
  t.add({"total space", bytes_text(r.total_space, tty)});
  t.add({"avail space", bytes_text(r.avail_space, tty)});
  t.add({"free space", bytes_text(r.avail_space, tty)});
  t.add({"trash space", bytes_text(r.trash_space, tty)});
  t.add({"trash files", num(r.trash_files)});
  t.add({"sustained space", bytes_text(r.sustained_space, tty)});
  t.add({"sustained files", num(r.sustained_files)});
  t.add({"all fs objects", num(r.fs_objects)});
  t.add({"directories", num(r.directories)});
  t.add({"files", num(r.files)});
  t.add({"chunks", num(r.chunks)});
  t.add({"all chunk copies", num(r.all_copies)});
  t.add({"regular chunk copies", num(r.regular_copies)});
  if (r.last_save_s > 0) {
    t.add({"last successful store", tty ? ctime_text(r.last_save_s) : num(static_cast<uint64_t>(r.last_save_s))});
    std::snprintf(buf, sizeof buf, "%.3f", r.last_save_ms / 1000.0);
    t.add({"last save duration", buf});
    t.add({"last save status",
           r.last_save_status == St::kOk ? "Saved" : "Failed: " + std::string(to_string(r.last_save_status))});
  } else {
    t.add({"last successful store", "-"});
    t.add({"last save duration", "-"});
    t.add({"last save status", "-"});
  }
  t.add({"metadata version", num(r.meta_version)});
  t.add({"metadata store", r.meta_store_error.empty() ? "ok" : "FAILED: " + r.meta_store_error + " (changes refused)"});
  t.print(style);
}

void print_matrix(const msg::CliInfoReply& r, const Options& o) {
  bool tty = o.style.tty;
  const auto& cells = o.mode == 1 ? r.regular : r.all;
  std::string title = o.mode == 1 ? "regular chunks matrix" : "all chunks matrix";
  uint64_t missing = 0, endangered = 0, undergoal = 0, stable = 0, overgoal = 0, pending = 0;
  Table t(title, {"", "goal", "copies", "chunks"});
  for (const auto& c : cells) {
    t.add({"goal/copies/chunks:", num(c.goal), num(c.copies), num(c.chunks)});
    if (c.goal == 0) pending += c.chunks;
    else if (c.copies == 0) missing += c.chunks;
    else if (c.copies < c.goal) (c.copies == 1 ? endangered : undergoal) += c.chunks;
    else if (c.copies == c.goal) stable += c.chunks;
    else overgoal += c.chunks;
  }
  // Plain: the classes are rows of the same table (as MooseFS prints them);
  // on a terminal, a table of their own.
  Table classes("chunk classes", {"class", "chunks"});
  Table& c = tty ? classes : t;
  std::string prefix = tty ? "" : "chunkclass ";
  c.add({prefix + "missing:", num(missing)});
  c.add({prefix + "endangered:", num(endangered)});
  c.add({prefix + "undergoal:", num(undergoal)});
  c.add({prefix + "stable:", num(stable)});
  c.add({prefix + "overgoal:", num(overgoal)});
  c.add({prefix + "pending deletion:", num(pending)});
  c.add({prefix + "to be removed:", num(r.to_be_removed)});
  t.print(o.style);
  if (tty) classes.print(o.style);
}

}  // namespace

Status show_master_info(Master& m, const Options& o) {
  auto r = m.ask<msg::CliInfoReply>(msg::CliInfo{});
  if (!r) return r.status();
  print_info(*r, o.style);
  return Status::ok_status();
}

Status show_chunk_matrix(Master& m, const Options& o) {
  auto r = m.ask<msg::CliInfoReply>(msg::CliInfo{});
  if (!r) return r.status();
  print_matrix(*r, o);
  return Status::ok_status();
}

Status show_master_info_and_matrix(Master& m, const Options& o) {
  auto r = m.ask<msg::CliInfoReply>(msg::CliInfo{});
  if (!r) return r.status();
  print_info(*r, o.style);
  std::printf("\n");
  print_matrix(*r, o);
  return Status::ok_status();
}

}  // namespace antler::tools::cli
