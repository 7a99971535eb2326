// The chunkserver commands (-C): maintenance mode on (M1) and off (M0), and
// the removal of a disconnected chunkserver (RC).
#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>

#include "tools/cli/cli.h"

namespace antler::tools::cli {

namespace {

struct Verb {
  const char* name;
  uint8_t command;   // msg::CliCommandKind
  const char* done;  // "Chunkserver IP/PORT <done>"
};

constexpr Verb kVerbs[] = {
    {"M1", msg::kCliMaintenanceOn, "has been switched to maintenance mode"},
    {"M0", msg::kCliMaintenanceOff, "has been switched to standard mode"},
    {"RC", msg::kCliRemoveServer, "has been removed"},
};

std::string where(const msg::Location& loc) { return net::ip_to_string(loc.ip) + "/" + std::to_string(loc.port); }

}  // namespace

Result<msg::CliCommand> parse_command(const std::string& arg) {
  auto slash = arg.find('/');
  std::string verb = arg.substr(0, slash);
  msg::CliCommand out;
  const Verb* v = nullptr;
  std::string known;
  for (const Verb& k : kVerbs) {
    if (verb == k.name) v = &k;
    known += (known.empty() ? "" : ", ") + std::string(k.name);
  }
  if (!v) return Status::error("unknown command '" + verb + "' (known: " + known + "; see -h)");
  out.command = v->command;
  auto slash2 = slash == std::string::npos ? slash : arg.find('/', slash + 1);
  if (slash2 == std::string::npos) return Status::error("command -C" + arg + ": expected " + verb + "/IP/PORT");
  std::string ip = arg.substr(slash + 1, slash2 - slash - 1), port = arg.substr(slash2 + 1);
  in_addr addr{};
  if (::inet_pton(AF_INET, ip.c_str(), &addr) != 1)
    return Status::error("command -C" + arg + ": '" + ip + "' is not an IPv4 address");
  char* end = nullptr;
  unsigned long p = std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end || p == 0 || p > 65535)
    return Status::error("command -C" + arg + ": '" + port + "' is not a port number");
  out.loc = {ntohl(addr.s_addr), static_cast<uint16_t>(p)};
  return out;
}

Result<std::string> command_outcome(const msg::CliCommand& c, const msg::CliCommandReply& r) {
  if (r.status == St::kNoEnt) return Status::error("Chunkserver " + where(c.loc) + " hasn't been found", St::kNoEnt);
  if (r.status != St::kOk) return Status::error(r.message, r.status);
  for (const Verb& v : kVerbs)
    if (v.command == c.command) return "Chunkserver " + where(c.loc) + " " + v.done;
  return Status::error("unknown command", St::kInval);
}

Json command_json(const msg::CliCommand& c, const Result<std::string>& outcome) {
  Json j = Json::object();
  for (const Verb& v : kVerbs)
    if (v.command == c.command) j.set("command", v.name);
  j.set("ip", net::ip_to_string(c.loc.ip));
  j.set("port", c.loc.port);
  j.set("done", outcome.ok());
  j.set("message", outcome.ok() ? *outcome : outcome.status().message());
  return j;
}

}  // namespace antler::tools::cli
