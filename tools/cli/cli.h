// mfscli's parts. main.cc parses the arguments, connects and runs the
// commands (-C, commands.cc), then the data sets (-S) through its table of
// sections; each section has its own file (info.cc, chunkservers.cc,
// disks.cc, missing.cc) and prints with output.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/msg/cli.h"
#include "common/net.h"
#include "common/status.h"
#include "tools/cli/output.h"

namespace antler::tools::cli {

struct Options {
  std::string host = "mfsmaster";
  uint16_t port = 9421;
  Style style;
  int mode = 0;       // -m: 1 leaves copies on disks marked for removal out of -SIC
  bool json = false;  // -j: one JSON document (docs/cli-json.md) instead of tables
  std::vector<std::string> sections;
  std::vector<std::string> commands;
};

// The connection to the master's client port, as a tool.
class Master {
 public:
  // Connects to o.host:o.port and says hello. Fails with "cannot resolve
  // ...", "cannot connect ...", "no answer ..." or "... refused: WHY".
  Status open(const Options& o);

  // Sends q (with the next request number) and waits for its reply R.
  template <class R, class Q>
  Result<R> ask(Q q) {
    q.req = ++req_;
    R r;
    if (!conn_.send(q) || !conn_.recv_as(r, 60000) || r.req != q.req)
      return Status::error("the master at " + where_ + " did not answer (message " + std::to_string(Q::kType) + ")",
                           St::kDisconnected);
    return r;
  }

 private:
  net::Conn conn_;
  std::string where_;
  uint32_t req_ = 0;
};

// A data set (-S NAME): show asks the master, then prints its tables, or,
// when dataset is not null (-j), adds its members to that JSON object
// instead (docs/cli-json.md). It fails only when the master did not answer.
struct Section {
  const char* name;
  Status (*show)(Master& m, const Options& o, Json* dataset);
};

Status show_master_info(Master& m, const Options& o, Json* dataset);             // -SIG (info.cc)
Status show_chunk_matrix(Master& m, const Options& o, Json* dataset);            // -SIC (info.cc)
Status show_master_info_and_matrix(Master& m, const Options& o, Json* dataset);  // -SIN (info.cc)
Status show_metaloggers(Master& m, const Options& o, Json* dataset);             // -SMB (metaloggers.cc)
Status show_chunkservers(Master& m, const Options& o, Json* dataset);            // -SCS (chunkservers.cc)
Status show_disks(Master& m, const Options& o, Json* dataset);                   // -SHD (disks.cc)
Status show_missing(Master& m, const Options& o, Json* dataset);                 // -SMF (missing.cc)

// A command (-C): "M1/1.2.3.4/9422" (maintenance on), "M0/..." (off) or
// "RC/..." (remove a disconnected server). Fails with a one-line reason.
Result<msg::CliCommand> parse_command(const std::string& arg);
// The master's answer to c: "Chunkserver IP/PORT has been ..." when it was
// done, or the error saying why not ("Chunkserver IP/PORT hasn't been found").
Result<std::string> command_outcome(const msg::CliCommand& c, const msg::CliCommandReply& r);
// c as -C wrote it ("M1"), its server's address and the outcome, for -j.
Json command_json(const msg::CliCommand& c, const Result<std::string>& outcome);

}  // namespace antler::tools::cli
