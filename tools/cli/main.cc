// mfscli: the cluster's state from the master (master info, chunk matrix,
// chunkservers, disks, missing chunks) and the chunkserver commands
// (maintenance mode, removal of a disconnected server), with MooseFS's
// options. Unlike the other tools it talks to the master directly (-H, -P),
// not through a mount.
//
// This file parses the options, checks every -S and -C before connecting,
// runs the commands, then the sections of kSections in the order given;
// with -j it gathers them all into one JSON document (docs/cli-json.md).
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "tools/cli/cli.h"
#include "tools/commands.h"

namespace antler::tools {

namespace cli {

namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  mfscli [-hpnj] [-H master_host] [-P master_port] [-s separator] [-m mode] -S(IN|IG|IC|CS|HD|MF|MB)...\n"
    "  mfscli [-hpnj] [-H master_host] [-P master_port] -C(M1|M0|RC)/ip/port\n"
    "  mfscli -v\n"
    "\n"
    "  -h, --help      print this message and exit\n"
    "  -v              print the version and exit\n"
    "  -H master_host  master address (default: mfsmaster)\n"
    "  -P master_port  master client port (default: 9421)\n"
    "  -p              plain text even on a terminal\n"
    "  -s separator    field separator of the plain text (implies -p; default: tab)\n"
    "  -n              do not resolve addresses (Antler never does; accepted)\n"
    "  -j              print one JSON document (commands and data sets; numbers in\n"
    "                  full, sizes in bytes, times in seconds; see docs/cli-json.md)\n"
    "\n"
    "monitoring (-S, may be repeated):\n"
    "  -SIN  master info and chunk matrix (IG and IC)\n"
    "  -SIG  master info: version, memory, CPU, space, objects, copies, last image save\n"
    "  -SIC  chunks by goal and valid copies, and their classes (-m 1: copies on disks\n"
    "        marked for removal not counted)\n"
    "  -SCS  chunkservers: connected, then disconnected ones\n"
    "  -SHD  the disks of every connected chunkserver\n"
    "  -SMF  chunks with no valid copy, and the files using them\n"
    "  -SMB  metaloggers: address, version, lag, newest image; SYNC_METALOGGERS state\n"
    "\n"
    "commands (need a rule with 'admin' and no password in the master's mfsexports.cfg\n"
    "that admits this host's address):\n"
    "  -CM1/ip/port  switch the chunkserver to maintenance mode\n"
    "  -CM0/ip/port  switch it back to standard mode\n"
    "  -CRC/ip/port  remove a disconnected chunkserver from the list\n";

// The data sets, in the order of the usage.
constexpr Section kSections[] = {
    {"IN", show_master_info_and_matrix},
    {"IG", show_master_info},
    {"IC", show_chunk_matrix},
    {"CS", show_chunkservers},
    {"HD", show_disks},
    {"MF", show_missing},
    {"MB", show_metaloggers},
};

const Section* find_section(const std::string& name) {
  for (const Section& s : kSections)
    if (name == s.name) return &s;
  return nullptr;
}

std::string section_names() {
  std::string out;
  for (const Section& s : kSections) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

int fail(const std::string& m) {
  std::fprintf(stderr, "mfscli: %s\n", m.c_str());
  return 1;
}

// The frame of the -j document; "dataset" and "commands" are filled in as
// they run.
Json json_document(const Options& o) {
  Json doc = Json::object();
  doc.set("format", 1);
  doc.set("mfscli", ANTLER_VERSION);
  Json& master = doc.set("master", Json::object());
  master.set("host", o.host);
  master.set("port", o.port);
  doc.set("time", static_cast<int64_t>(std::time(nullptr)));
  return doc;
}

// -j: the document is printed whatever happens; a failure is its "error"
// member (and the usual line on stderr).
int print_json(Json& doc, const std::string& error, int rc) {
  if (!error.empty()) {
    doc.set("error", error);
    fail(error);
  }
  std::printf("%s\n", doc.dump(2).c_str());
  return rc;
}

// Reads the options into *o; returns -1 to go on, or the exit status.
int parse_options(int argc, char** argv, Options* o) {
  bool force_plain = false;
  static const option longopts[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "hvpnj28H:P:f:S:C:s:o:rm:i:", longopts, nullptr)) != -1) {
    switch (c) {
      case 'h': std::printf("%s", kUsage); return 0;
      case 'v': std::printf("mfscli (Antler) %s\n", ANTLER_VERSION); return 0;
      case 'p': force_plain = true; break;
      case 'j': o->json = true; break;
      case 's':
        o->style.sep = optarg;
        force_plain = true;
        break;
      case 'n':
      case '2':
      case '8':
      case 'f':
      case 'o':
      case 'r':
      case 'i': break;  // display details of MooseFS's
      case 'H': o->host = optarg; break;
      case 'P': {
        char* end = nullptr;
        unsigned long p = std::strtoul(optarg, &end, 10);
        if (!*optarg || *end || p == 0 || p > 65535) return fail(std::string("-P ") + optarg + ": not a port number");
        o->port = static_cast<uint16_t>(p);
        break;
      }
      case 'm':
        if (std::string_view(optarg) != "0" && std::string_view(optarg) != "1")
          return fail(std::string("-m ") + optarg +
                      ": not a mode (0: all copies, 1: copies on disks marked for removal not counted)");
        o->mode = optarg[0] - '0';
        break;
      case 'S': o->sections.push_back(optarg); break;
      case 'C': o->commands.push_back(optarg); break;
      default: return fail(std::string("unknown option or missing value: ") + argv[optind - 1] + " (see mfscli -h)");
    }
  }
  if (optind < argc) return fail(std::string("unexpected argument '") + argv[optind] + "' (see mfscli -h)");
  if (o->sections.empty() && o->commands.empty()) return fail("say what to show (-S) or do (-C); see mfscli -h");
  o->style.tty = !force_plain && ::isatty(1);
  return -1;
}

}  // namespace

}  // namespace cli

int cli_main(int argc, char** argv) {
  using namespace cli;
  Options o;
  if (int rc = parse_options(argc, argv, &o); rc >= 0) return rc;
  std::vector<const Section*> sections;
  for (const auto& s : o.sections) {
    const Section* sec = find_section(s);
    if (!sec) return fail("unknown data set -S" + s + " (this mfscli shows " + section_names() + "; see -h)");
    sections.push_back(sec);
  }
  std::vector<msg::CliCommand> cmds;
  for (const auto& s : o.commands) {
    auto c = parse_command(s);
    if (!c) return fail(c.status().message());
    cmds.push_back(*c);
  }

  Master m;
  if (!o.json) {
    if (Status s = m.open(o); !s.ok()) return fail(s.message());
    int rc = 0;
    for (const auto& c : cmds) {
      auto r = m.ask<msg::CliCommandReply>(c);
      if (!r) return fail(r.status().message());
      auto outcome = command_outcome(c, *r);
      if (outcome) std::printf("%s\n", outcome->c_str());
      else rc = fail(outcome.status().message());
    }
    bool first = true;
    for (const Section* sec : sections) {
      if (!first) std::printf("\n");
      first = false;
      if (Status s = sec->show(m, o, nullptr); !s.ok()) return fail(s.message());
    }
    return rc;
  }

  Json doc = json_document(o);
  if (Status s = m.open(o); !s.ok()) return print_json(doc, s.message(), 1);
  int rc = 0;
  if (!cmds.empty()) {
    Json& list = doc.set("commands", Json::array());
    for (const auto& c : cmds) {
      auto r = m.ask<msg::CliCommandReply>(c);
      if (!r) return print_json(doc, r.status().message(), 1);
      auto outcome = command_outcome(c, *r);
      if (!outcome) rc = fail(outcome.status().message());
      list.push(command_json(c, outcome));
    }
  }
  if (!sections.empty()) {
    Json& dataset = doc.set("dataset", Json::object());
    for (const Section* sec : sections)
      if (Status s = sec->show(m, o, &dataset); !s.ok()) return print_json(doc, s.message(), 1);
  }
  return print_json(doc, "", rc);
}

}  // namespace antler::tools
