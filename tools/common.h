// Shared parts of the mfs* tools: finding the mount that holds a path,
// talking to the master through the mount's control file, number formats
// and error reporting. Every command has an `int NAME_main(int argc, char**
// argv)` entry, declared in commands.h and listed in main.cc.
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

// Prints "message" (or the status's message) to stderr; returns 1 (the
// exit status of a failure).
int fail(const std::string& message);
int fail(const Status& status);

// An object inside an Antler mount.
struct Target {
  std::string path;        // as the user gave it
  std::string mount_root;  // the mount point holding it
  uint32_t inode = 0;      // 1: the mount's root
  dev_t dev = 0;
  bool is_dir = false;
};

// Resolves path without following a final symlink. Fails with a one-line
// message ("PATH: not MFS object", "PATH: No such file or directory").
Result<Target> locate(const std::string& path);

// A message as it travels through the control file: its type and body.
struct Frame {
  uint32_t type = 0;
  std::string body;
};

// One request to the master through `mount_root`/.antlerctl. Fails when
// the exchange itself failed ("no reply from the master", ...).
Result<Frame> exchange(const std::string& mount_root, uint32_t type, const std::string& payload);

// Sends m to the master of t's mount and decodes the reply as R. When the
// master answered with a bare ClStatusReply, R is returned with only its
// `status` set; the caller checks R::status (the master's verdict). Fails
// only when the exchange failed or the reply is not understood.
template <class R, class M>
Result<R> call(const Target& t, const M& m) {
  std::string body;
  serde::encode_body(m, body);
  Result<Frame> f = exchange(t.mount_root, M::kType, body);
  if (!f) return f.status();
  R out;
  if (f->type == R::kType && net::decode(f->body, out)) return out;
  msg::ClStatusReply s;
  if (f->type == msg::ClStatusReply::kType && net::decode(f->body, s)) {
    R bare{};
    bare.status = s.status;
    return bare;
  }
  return Status::error("unexpected reply from the master (type " + std::to_string(f->type) + ")", St::kProtocol);
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
    Result<Target> t = locate(p);
    if (!t) {
      rc = fail(t.status());
      continue;
    }
    Result<R> r = call<R>(*t, make(*t));
    if (!r) rc = fail(r.status().with_context(p));
    else if (r->status != St::kOk) rc = fail(p + ": " + describe(r->status));
    else done(p, *r);
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
