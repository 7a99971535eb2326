// Shared parts of the mfs* tools: finding the mount that holds a path,
// talking to the master through the mount's control file, number formats
// and error reporting. Every command lives in its own file and has a
// `int NAME_main(int argc, char** argv)` entry listed in main.cc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/msg/client.h"
#include "common/net.h"
#include "common/parse.h"
#include "common/status.h"

namespace CLI {
class App;
}

namespace antler::tools {

// Prints "message" to stderr; returns 1 (the exit status of a failure).
int fail(const std::string& message);

// An object inside an Antler mount.
struct Target {
  std::string path;        // as the user gave it
  std::string mount_root;  // the mount point holding it
  uint32_t inode = 0;      // 1: the mount's root
  dev_t dev = 0;
  bool is_dir = false;
};

// Resolves path without following a final symlink. On failure returns false
// and a one-line message ("PATH: not MFS object", "PATH: No such file or
// directory").
bool locate(const std::string& path, Target* t, std::string* error);

// One request to the master through `mount_root`/.antlerctl; the reply is
// decoded as R, or as ClStatusReply (then *status holds its status). Returns
// false with a message if the exchange itself failed.
bool exchange(const std::string& mount_root, uint32_t type, const std::string& payload, uint32_t* reply_type,
              std::string* reply, std::string* error);

template <class M, class R>
bool call(const Target& t, const M& m, R* out, St* status, std::string* error) {
  std::string body;
  serde::encode_body(m, body);
  uint32_t type = 0;
  std::string reply;
  if (!exchange(t.mount_root, M::kType, body, &type, &reply, error)) return false;
  if (type == R::kType && net::decode(reply, *out)) {
    *status = out->status;
    return true;
  }
  msg::ClStatusReply s;
  if (type == msg::ClStatusReply::kType && net::decode(reply, s)) {
    *status = s.status;
    return true;
  }
  *error = "unexpected reply from the master (type " + std::to_string(type) + ")";
  return false;
}

// The text of a status as the C library says it ("Permission denied").
std::string describe(St st);

// For each path: locates it, sends make(target) and, when the master says
// ok, calls done(path, reply). Every failure is one line on stderr
// ("PATH: reason"); returns the exit status (1 if any path failed).
template <class R, class Make, class Done>
int for_each_path(const std::vector<std::string>& paths, Make make, Done done) {
  int rc = 0;
  for (const std::string& p : paths) {
    Target t;
    std::string err;
    R reply;
    St st = St::kOk;
    if (!locate(p, &t, &err)) rc = fail(err);
    else if (!call(t, make(t), &reply, &st, &err)) rc = fail(p + ": " + err);
    else if (st != St::kOk) rc = fail(p + ": " + describe(st));
    else done(p, reply);
  }
  return rc;
}

// Number formats of the MooseFS tools: -n plain, -h binary (Ki, Mi, ...),
// -H decimal (k, M, ...), -k/-m/-g in KiB/MiB/GiB. The default comes from
// MFSHRFORMAT (0 plain, 1 binary, 2 decimal, 3 plain and binary, 4 plain and
// decimal).
enum class Format { kPlain, kBinary, kDecimal, kPlainBinary, kPlainDecimal, kKiB, kMiB, kGiB };
struct FormatFlags {
  bool n = false, h = false, H = false, k = false, m = false, g = false;
  Format format() const;
};
void add_format_flags(CLI::App& app, FormatFlags* f);
std::string number(uint64_t v, Format f);
// A value in the fixed-width columns of MooseFS's tables (mfsgetquota,
// mfsdirinfo): the width for the format (plain 20, -h 6, -H 5, -k 17, -m 14,
// -g 11) and the text: -h/-H scaled with one decimal below 10 and "B" after
// byte counts ("293KiB", "1.0MB"), -k/-m/-g rounded down (counts too).
int column_width(Format f);
std::string column_text(uint64_t v, Format f, bool bytes);

// A quantity of MooseFS's tools: "1000000", "1.5G" (SI: k M G T P E) or
// "2Gi" (IEC: Ki Mi Gi Ti Pi Ei).
bool parse_amount(const std::string& s, uint64_t* v);

// A CLI11 app with --help (not -h: -h is a number format, as in MooseFS).
std::unique_ptr<CLI::App> make_app(const std::string& name, const std::string& description);

// Runs a CLI11 app over argv: returns -1 to go on, or the exit status
// (0 for --help, 1 with a one-line error and the usage for bad arguments).
int parse(CLI::App& app, int argc, char** argv);

}  // namespace antler::tools
