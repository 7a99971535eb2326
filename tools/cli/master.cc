#include <cerrno>
#include <cstring>

#include "common/msg/base.h"
#include "tools/cli/cli.h"

namespace antler::tools::cli {

Status Master::open(const Options& o) {
  where_ = o.host + ":" + std::to_string(o.port);
  uint32_t ip = 0;
  if (!net::resolve_ipv4(o.host, ip))
    return Status::error("cannot resolve the master's host name '" + o.host + "' (use -H)", St::kNoEnt);
  if (!conn_.connect(ip, o.port, 5000)) {
    int err = errno;
    return Status::from_errno("cannot connect to the master at " + where_, err);
  }
  msg::Hello h;
  h.role = msg::kRoleTool;
  h.name = "mfscli";
  msg::HelloReply r;
  if (!conn_.send(h) || !conn_.recv_as(r, 10000))
    return Status::error("no answer from the master at " + where_ + " (is it an Antler master's client port?)",
                         St::kProtocol);
  if (r.status != St::kOk) return Status::error("the master at " + where_ + " refused: " + r.message, r.status);
  return Status::ok_status();
}

}  // namespace antler::tools::cli
