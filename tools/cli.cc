// mfscli: the cluster's state from the master (master info, chunk matrix,
// chunkservers, disks) and the chunkserver commands (maintenance mode,
// removal of a disconnected server), with MooseFS's options. Unlike the
// other tools it talks to the master directly (-H, -P), not through a mount.
//
// Output: on a terminal, framed tables with readable numbers; otherwise (or
// with -p / -s SEP) MooseFS's plain form, one line per row, "title:" then
// the fields, separated by tabs (or SEP), numbers in full.
#include <arpa/inet.h>
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "common/msg/base.h"
#include "common/msg/cli.h"
#include "common/msg/master_cs.h"
#include "common/net.h"
#include "common/status.h"

namespace antler::tools {

namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  mfscli [-hpn] [-H master_host] [-P master_port] [-s separator] [-m mode] -S(IN|IG|IC|CS|HD|MF)...\n"
    "  mfscli [-hpn] [-H master_host] [-P master_port] -C(M1|M0|RC)/ip/port\n"
    "  mfscli -v\n"
    "\n"
    "  -h, --help      print this message and exit\n"
    "  -v              print the version and exit\n"
    "  -H master_host  master address (default: mfsmaster)\n"
    "  -P master_port  master client port (default: 9421)\n"
    "  -p              plain text even on a terminal\n"
    "  -s separator    field separator of the plain text (implies -p; default: tab)\n"
    "  -n              do not resolve addresses (Antler never does; accepted)\n"
    "\n"
    "monitoring (-S, may be repeated):\n"
    "  -SIN  master info and chunk matrix (IG and IC)\n"
    "  -SIG  master info: version, memory, CPU, space, objects, copies, last image save\n"
    "  -SIC  chunks by goal and valid copies, and their classes (-m 1: copies on disks\n"
    "        marked for removal not counted)\n"
    "  -SCS  chunkservers: connected, then disconnected ones\n"
    "  -SHD  the disks of every connected chunkserver\n"
    "  -SMF  chunks with no valid copy, and the files using them\n"
    "\n"
    "commands (need a rule with 'admin' and no password in the master's mfsexports.cfg\n"
    "that admits this host's address):\n"
    "  -CM1/ip/port  switch the chunkserver to maintenance mode\n"
    "  -CM0/ip/port  switch it back to standard mode\n"
    "  -CRC/ip/port  remove a disconnected chunkserver from the list\n";

struct Options {
  std::string host = "mfsmaster";
  uint16_t port = 9421;
  bool plain = false;
  std::string sep = "\t";
  int mode = 0;
  std::vector<std::string> sections;
  std::vector<std::string> commands;
};

// ---- output

std::string human(uint64_t v) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double d = static_cast<double>(v);
  int u = 0;
  while (d >= 1024 && u < 6) d /= 1024, u++;
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(v));
  else std::snprintf(buf, sizeof buf, "%.*f %s", d < 10 ? 1 : 0, d, units[u]);
  return buf;
}

std::string num(uint64_t v) { return std::to_string(v); }
// A byte count: readable on a terminal, in full otherwise.
std::string bytes_text(uint64_t v, bool tty) { return tty ? human(v) : num(v); }

// A table: plain, "title:" SEP field SEP field per row; on a terminal, a
// frame with the header.
class Table {
 public:
  Table(std::string title, std::vector<std::string> header) : title_(std::move(title)), header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(const Options& o, bool tty) const {
    if (!tty) {
      for (const auto& r : rows_) {
        std::string line = title_ + ":";
        for (const auto& c : r) line += o.sep + c;
        std::printf("%s\n", line.c_str());
      }
      return;
    }
    std::vector<size_t> w(header_.size(), 0);
    for (size_t i = 0; i < header_.size(); i++) w[i] = header_[i].size();
    for (const auto& r : rows_)
      for (size_t i = 0; i < r.size() && i < w.size(); i++) w[i] = std::max(w[i], r[i].size());
    std::string rule = "+";
    for (size_t x : w) rule += std::string(x + 2, '-') + "+";
    size_t inner = rule.size() - 2;
    std::printf("%s\n| %-*s |\n%s\n", rule.c_str(), static_cast<int>(inner - 2), title_.c_str(), rule.c_str());
    auto line = [&](const std::vector<std::string>& r, bool left) {
      std::string s = "|";
      for (size_t i = 0; i < w.size(); i++) {
        std::string c = i < r.size() ? r[i] : "";
        std::string pad(w[i] - c.size(), ' ');
        s += " " + (left || i == 0 ? c + pad : pad + c) + " |";
      }
      std::printf("%s\n", s.c_str());
    };
    line(header_, true);
    std::printf("%s\n", rule.c_str());
    for (const auto& r : rows_) line(r, false);
    std::printf("%s\n", rule.c_str());
  }

 private:
  std::string title_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// ---- the master connection

class Master {
 public:
  bool open(const Options& o, std::string* error) {
    where_ = o.host + ":" + std::to_string(o.port);
    uint32_t ip = 0;
    if (!net::resolve_ipv4(o.host, ip)) {
      *error = "cannot resolve the master's host name '" + o.host + "' (use -H)";
      return false;
    }
    if (!conn_.connect(ip, o.port, 5000)) {
      *error = "cannot connect to the master at " + where_ + ": " + std::strerror(errno);
      return false;
    }
    msg::Hello h;
    h.role = msg::kRoleTool;
    h.name = "mfscli";
    msg::HelloReply r;
    if (!conn_.send(h) || !conn_.recv_as(r, 10000)) {
      *error = "no answer from the master at " + where_ + " (is it an Antler master's client port?)";
      return false;
    }
    if (r.status != St::kOk) {
      *error = "the master at " + where_ + " refused: " + r.message;
      return false;
    }
    return true;
  }
  template <class Q, class R>
  bool ask(Q q, R* r, std::string* error) {
    q.req = ++req_;
    if (!conn_.send(q) || !conn_.recv_as(*r, 60000) || r->req != q.req) {
      *error = "the master at " + where_ + " did not answer (message " + std::to_string(Q::kType) + ")";
      return false;
    }
    return true;
  }

 private:
  net::Conn conn_;
  std::string where_;
  uint32_t req_ = 0;
};

// ---- sections

std::string ctime_text(int64_t s) {
  time_t t = static_cast<time_t>(s);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", std::localtime(&t));
  return buf;
}

void print_info(const msg::CliInfoReply& r, const Options& o, bool tty) {
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
    t.add({"last save status", r.last_save_status == St::kOk ? "Saved" : "Failed: " + std::string(to_string(r.last_save_status))});
  } else {
    t.add({"last successful store", "-"});
    t.add({"last save duration", "-"});
    t.add({"last save status", "-"});
  }
  t.add({"metadata version", num(r.meta_version)});
  t.add({"metadata store",
         r.meta_store_error.empty() ? "ok" : "FAILED: " + r.meta_store_error + " (changes refused)"});
  t.print(o, tty);
}

void print_matrix(const msg::CliInfoReply& r, const Options& o, bool tty) {
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
  t.print(o, tty);
  if (tty) classes.print(o, tty);
}

const char* maintenance_text(uint8_t m) {
  return m == msg::kMaintenanceOn ? "maintenance_on" : m == msg::kMaintenanceTemp ? "maintenance_tmp_on" : "maintenance_off";
}

const char* removal_text(uint8_t s) {
  switch (s) {
    case msg::kRemovalNotReady: return "NOT READY";
    case msg::kRemovalReady: return "READY";
    case msg::kRemovalPending: return "PENDING";
    default: return "-";
  }
}

void print_servers(const msg::CliServersReply& r, const Options& o, bool tty) {
  Table t(tty ? "Chunk Servers" : "chunk servers",
          {"ip", "port", "id", "labels", "version", "load", "maintenance", "chunks", "used", "total", "removal",
           "chunks", "used", "total"});
  Table d(tty ? "Disconnected Chunk Servers" : "Disconnected chunk servers",
          {"ip", "port", "id", "maintenance", "away"});
  for (const auto& s : r.servers) {
    std::string ip = net::ip_to_string(s.loc.ip);
    std::string maint = maintenance_text(s.maintenance);
    if (s.maintenance_left_s >= 0 && tty) maint += " (" + std::to_string(s.maintenance_left_s) + " s left)";
    if (!s.connected) {
      d.add({ip, num(s.loc.port), num(s.id), maint, num(static_cast<uint64_t>(s.disconnected_s)) + " s"});
      continue;
    }
    t.add({ip, num(s.loc.port), num(s.id), s.label.empty() ? "-" : s.label, s.version.empty() ? "-" : s.version,
           num(s.load), maint, num(s.chunks), bytes_text(s.used, tty), bytes_text(s.total, tty), removal_text(s.removal_status),
           num(s.removal_chunks), bytes_text(s.removal_used, tty), bytes_text(s.removal_total, tty)});
  }
  t.print(o, tty);
  if (!d.empty()) {
    std::printf("\n");
    d.print(o, tty);
  }
}

void print_disks(const msg::CliServersReply& r, const Options& o, bool tty) {
  Table t(tty ? "Disks" : "disks", {"IP:port:path", "chunks", "last error", "status", "read/s", "write/s",
                                     "max read", "max write", "max fsync", "reads", "writes", "fsyncs", "used",
                                     "total"});
  for (const auto& s : r.servers) {
    if (!s.connected) continue;
    for (const auto& dk : s.disks) {
      std::string path = dk.path;
      if (path.empty() || path.back() != '/') path += '/';
      std::string status = (dk.flags & msg::kDiskFailed)      ? "damaged"
                           : (dk.flags & msg::kDiskRemoval)   ? "marked for removal"
                           : (dk.flags & msg::kDiskMoveOut)   ? "ok (moving out)"
                           : (dk.flags & msg::kDiskMoveIn)    ? "ok (moving in)"
                                                              : "ok";
      std::string err = dk.errors ? num(dk.errors) + " I/O errors" : "no errors";
      // The last minute's I/O, as MooseFS shows it: transfer speed while
      // busy (bytes per second of operation time), the longest read, write
      // and fsync, and the operation counts; "-" when the disk was idle.
      std::vector<std::string> row{net::to_string(s.loc) + ":" + path, num(dk.chunks), err, status};
      if (dk.rops + dk.wops + dk.fsyncs == 0) {
        for (int i = 0; i < 8; i++) row.push_back("-");
      } else {
        uint64_t rbw = dk.r_us ? dk.rbytes * 1000000 / dk.r_us : 0;
        uint64_t wbw = dk.w_us + dk.fsync_us ? dk.wbytes * 1000000 / (dk.w_us + dk.fsync_us) : 0;
        auto us = [&](uint64_t v) { return tty ? num(v) + " us" : num(v); };
        row.push_back(tty ? human(rbw) + "/s" : num(rbw));
        row.push_back(tty ? human(wbw) + "/s" : num(wbw));
        row.push_back(us(dk.r_max_us));
        row.push_back(us(dk.w_max_us));
        row.push_back(us(dk.fsync_max_us));
        row.push_back(num(dk.rops));
        row.push_back(num(dk.wops));
        row.push_back(num(dk.fsyncs));
      }
      row.push_back(bytes_text(dk.used, tty));
      row.push_back(bytes_text(dk.total, tty));
      t.add(std::move(row));
    }
  }
  t.print(o, tty);
}

void print_missing(const msg::CliMissingReply& r, const Options& o, bool tty) {
  Table t(tty ? "Missing Files/Chunks" : "missing files", {"path", "inode", "index", "chunk id", "type of missing chunk"});
  for (const auto& m : r.missing) {
    char id[20];
    std::snprintf(id, sizeof id, "%016llX", static_cast<unsigned long long>(m.chunk_id));
    const char* kind = m.kind == msg::kMissingWrongVersions ? "WRONG VERSIONS" : "NO COPY";
    if (m.paths.empty()) t.add({" * unknown path * (deleted file)", num(m.inode), num(m.index), id, kind});
    for (const auto& p : m.paths) t.add({p, num(m.inode), num(m.index), id, kind});
  }
  t.print(o, tty);
}

// "M1/1.2.3.4/9422" -> command and location; false with *error.
bool parse_command(const std::string& c, msg::CliCommand* out, std::string* error) {
  auto slash = c.find('/');
  std::string verb = c.substr(0, slash);
  if (verb == "M1") out->command = msg::kCliMaintenanceOn;
  else if (verb == "M0") out->command = msg::kCliMaintenanceOff;
  else if (verb == "RC") out->command = msg::kCliRemoveServer;
  else {
    *error = "unknown command '" + verb + "' (known: M1, M0, RC; see -h)";
    return false;
  }
  auto slash2 = slash == std::string::npos ? slash : c.find('/', slash + 1);
  if (slash2 == std::string::npos) {
    *error = "command -C" + c + ": expected " + verb + "/IP/PORT";
    return false;
  }
  std::string ip = c.substr(slash + 1, slash2 - slash - 1), port = c.substr(slash2 + 1);
  in_addr addr{};
  if (::inet_pton(AF_INET, ip.c_str(), &addr) != 1) {
    *error = "command -C" + c + ": '" + ip + "' is not an IPv4 address";
    return false;
  }
  char* end = nullptr;
  unsigned long p = std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end || p == 0 || p > 65535) {
    *error = "command -C" + c + ": '" + port + "' is not a port number";
    return false;
  }
  out->loc = {ntohl(addr.s_addr), static_cast<uint16_t>(p)};
  return true;
}

int fail(const std::string& m) {
  std::fprintf(stderr, "mfscli: %s\n", m.c_str());
  return 1;
}

}  // namespace

int cli_main(int argc, char** argv) {
  Options o;
  bool force_plain = false;
  static const option longopts[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "hvpn28H:P:f:S:C:s:o:rm:i:", longopts, nullptr)) != -1) {
    switch (c) {
      case 'h': std::printf("%s", kUsage); return 0;
      case 'v': std::printf("mfscli (Antler) %s\n", ANTLER_VERSION); return 0;
      case 'p': force_plain = true; break;
      case 's': o.sep = optarg; force_plain = true; break;
      case 'n': case '2': case '8': case 'f': case 'o': case 'r': case 'i': break;  // display details of MooseFS's
      case 'H': o.host = optarg; break;
      case 'P': {
        char* end = nullptr;
        unsigned long p = std::strtoul(optarg, &end, 10);
        if (!*optarg || *end || p == 0 || p > 65535) return fail(std::string("-P ") + optarg + ": not a port number");
        o.port = static_cast<uint16_t>(p);
        break;
      }
      case 'm': o.mode = std::atoi(optarg); break;
      case 'S': o.sections.push_back(optarg); break;
      case 'C': o.commands.push_back(optarg); break;
      default:
        return fail(std::string("unknown option or missing value: ") + argv[optind - 1] + " (see mfscli -h)");
    }
  }
  if (optind < argc) return fail(std::string("unexpected argument '") + argv[optind] + "' (see mfscli -h)");
  if (o.sections.empty() && o.commands.empty())
    return fail("say what to show (-S) or do (-C); see mfscli -h");
  static const char* known[] = {"IN", "IG", "IC", "CS", "HD", "MF"};
  std::vector<msg::CliCommand> cmds;
  for (const auto& s : o.sections)
    if (std::find(std::begin(known), std::end(known), s) == std::end(known))
      return fail("unknown data set -S" + s + " (this mfscli shows IN, IG, IC, CS, HD, MF; see -h)");
  for (const auto& s : o.commands) {
    msg::CliCommand m;
    std::string error;
    if (!parse_command(s, &m, &error)) return fail(error);
    cmds.push_back(m);
  }
  o.plain = force_plain || !::isatty(1);
  bool tty = !o.plain;

  Master m;
  std::string error;
  if (!m.open(o, &error)) return fail(error);
  int rc = 0;
  for (const auto& q : cmds) {
    msg::CliCommandReply r;
    if (!m.ask(q, &r, &error)) return fail(error);
    std::string where = net::ip_to_string(q.loc.ip) + "/" + std::to_string(q.loc.port);
    St st = r.status;
    if (st == St::kOk) {
      const char* what = q.command == msg::kCliMaintenanceOn    ? "has been switched to maintenance mode"
                         : q.command == msg::kCliMaintenanceOff ? "has been switched to standard mode"
                                                                : "has been removed";
      std::printf("Chunkserver %s %s\n", where.c_str(), what);
    } else if (st == St::kNoEnt) {
      rc = fail("Chunkserver " + where + " hasn't been found");
    } else {
      rc = fail(r.message);
    }
  }
  bool first = true;
  for (const auto& s : o.sections) {
    if (!first) std::printf("\n");
    first = false;
    if (s == "IN" || s == "IG" || s == "IC") {
      msg::CliInfoReply r;
      if (!m.ask(msg::CliInfo{}, &r, &error)) return fail(error);
      if (s != "IC") print_info(r, o, tty);
      if (s == "IN") std::printf("\n");
      if (s != "IG") print_matrix(r, o, tty);
    } else if (s == "MF") {
      msg::CliMissingReply r;
      if (!m.ask(msg::CliMissing{}, &r, &error)) return fail(error);
      print_missing(r, o, tty);
    } else {
      msg::CliServersReply r;
      if (!m.ask(msg::CliServers{}, &r, &error)) return fail(error);
      if (s == "CS") print_servers(r, o, tty);
      else print_disks(r, o, tty);
    }
  }
  return rc;
}

}  // namespace antler::tools
