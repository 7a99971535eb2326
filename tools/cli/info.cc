// -SIG (master info), -SIC (the chunk matrix and classes) and -SIN (both),
// from one CliInfo reply; as tables, or as the "info" and "chunks" members
// of -j's dataset.
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

// The chunks of a matrix by class.
struct Classes {
  uint64_t missing = 0, endangered = 0, undergoal = 0, stable = 0, overgoal = 0, pending = 0;
};

Classes classify(const std::vector<msg::ChunkMatrixCell>& cells) {
  Classes k;
  for (const auto& c : cells) {
    if (c.goal == 0) k.pending += c.chunks;
    else if (c.copies == 0) k.missing += c.chunks;
    else if (c.copies < c.goal) (c.copies == 1 ? k.endangered : k.undergoal) += c.chunks;
    else if (c.copies == c.goal) k.stable += c.chunks;
    else k.overgoal += c.chunks;
  }
  return k;
}

void print_matrix(const msg::CliInfoReply& r, const Options& o) {
  bool tty = o.style.tty;
  const auto& cells = o.mode == 1 ? r.regular : r.all;
  std::string title = o.mode == 1 ? "regular chunks matrix" : "all chunks matrix";
  Table t(title, {"", "goal", "copies", "chunks"});
  for (const auto& c : cells) t.add({"goal/copies/chunks:", num(c.goal), num(c.copies), num(c.chunks)});
  Classes k = classify(cells);
  // Plain: the classes are rows of the same table (as MooseFS prints them);
  // on a terminal, a table of their own.
  Table classes("chunk classes", {"class", "chunks"});
  Table& c = tty ? classes : t;
  std::string prefix = tty ? "" : "chunkclass ";
  c.add({prefix + "missing:", num(k.missing)});
  c.add({prefix + "endangered:", num(k.endangered)});
  c.add({prefix + "undergoal:", num(k.undergoal)});
  c.add({prefix + "stable:", num(k.stable)});
  c.add({prefix + "overgoal:", num(k.overgoal)});
  c.add({prefix + "pending deletion:", num(k.pending)});
  c.add({prefix + "to be removed:", num(r.to_be_removed)});
  t.print(o.style);
  if (tty) classes.print(o.style);
}

Json info_json(const msg::CliInfoReply& r) {
  Json j = Json::object();
  j.set("version", r.version);
  j.set("ram_bytes", r.ram_bytes);
  j.set("cpu_user_seconds", static_cast<double>(r.cpu_user_us) / 1e6);
  j.set("cpu_system_seconds", static_cast<double>(r.cpu_sys_us) / 1e6);
  j.set("uptime_seconds", static_cast<double>(r.uptime_ms) / 1e3);
  j.set("total_space_bytes", r.total_space);
  j.set("avail_space_bytes", r.avail_space);
  j.set("trash_space_bytes", r.trash_space);
  j.set("trash_files", r.trash_files);
  j.set("sustained_space_bytes", r.sustained_space);
  j.set("sustained_files", r.sustained_files);
  j.set("fs_objects", r.fs_objects);
  j.set("directories", r.directories);
  j.set("files", r.files);
  j.set("chunks", r.chunks);
  j.set("all_chunk_copies", r.all_copies);
  j.set("regular_chunk_copies", r.regular_copies);
  Json& save = j.set("last_save", Json::object());
  if (r.last_save_s > 0) {
    save.set("time", r.last_save_s);
    save.set("duration_seconds", r.last_save_ms / 1e3);
    save.set("ok", r.last_save_status == St::kOk);
    save.set("error", r.last_save_status == St::kOk ? "" : to_string(r.last_save_status));
  } else {  // none yet
    save.set("time", Json());
    save.set("duration_seconds", Json());
    save.set("ok", Json());
    save.set("error", "");
  }
  j.set("metadata_version", r.meta_version);
  Json& store = j.set("metadata_store", Json::object());
  store.set("ok", r.meta_store_error.empty());
  store.set("error", r.meta_store_error);
  return j;
}

Json matrix_json(const std::vector<msg::ChunkMatrixCell>& cells) {
  Json j = Json::object();
  Json& m = j.set("matrix", Json::array());
  for (const auto& c : cells) {
    Json& cell = m.push(Json::object());
    cell.set("goal", c.goal);
    cell.set("copies", c.copies);
    cell.set("chunks", c.chunks);
  }
  Classes k = classify(cells);
  Json& cl = j.set("classes", Json::object());
  cl.set("missing", k.missing);
  cl.set("endangered", k.endangered);
  cl.set("undergoal", k.undergoal);
  cl.set("stable", k.stable);
  cl.set("overgoal", k.overgoal);
  cl.set("pending_deletion", k.pending);
  return j;
}

// Both counts (all copies, and copies on disks marked for removal left
// out): -m does not apply to JSON.
Json chunks_json(const msg::CliInfoReply& r) {
  Json j = Json::object();
  j.set("all", matrix_json(r.all));
  j.set("regular", matrix_json(r.regular));
  j.set("to_be_removed", r.to_be_removed);
  return j;
}

}  // namespace

Status show_master_info(Master& m, const Options& o, Json* dataset) {
  auto r = m.ask<msg::CliInfoReply>(msg::CliInfo{});
  if (!r) return r.status();
  if (dataset) dataset->set("info", info_json(*r));
  else print_info(*r, o.style);
  return Status::ok_status();
}

Status show_chunk_matrix(Master& m, const Options& o, Json* dataset) {
  auto r = m.ask<msg::CliInfoReply>(msg::CliInfo{});
  if (!r) return r.status();
  if (dataset) dataset->set("chunks", chunks_json(*r));
  else print_matrix(*r, o);
  return Status::ok_status();
}

Status show_master_info_and_matrix(Master& m, const Options& o, Json* dataset) {
  auto r = m.ask<msg::CliInfoReply>(msg::CliInfo{});
  if (!r) return r.status();
  if (dataset) {
    dataset->set("info", info_json(*r));
    dataset->set("chunks", chunks_json(*r));
    return Status::ok_status();
  }
  print_info(*r, o.style);
  std::printf("\n");
  print_matrix(*r, o);
  return Status::ok_status();
}

}  // namespace antler::tools::cli
