// The mount's control file, `.antlerctl` in the mount root: how the mfs*
// tools reach the master. It is not listed by readdir. A tool opens it,
// writes one request frame (u32 type, u32 length, payload; a type in
// msg::kToolFirst..kToolLast whose payload starts with a msg::ToolHeader)
// and reads the reply frame back. The mount replaces the header with the
// writer's credentials as the kernel reports them, so the master checks the
// caller's own permissions. docs/tools.md describes the exchange.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "client/client.h"

struct fuse_req;
typedef struct fuse_req* fuse_req_t;
struct fuse_file_info;

namespace antler::mount::ctl {

constexpr uint32_t kInode = 0xFFFFFFF0;  // above every master inode
constexpr const char* kName = ".antlerctl";

// Attributes of the control file (a 0666 root-owned empty regular file).
msg::Attr attr();

// A handle for one open of the file; release() frees it.
uint64_t open();
// Answers a FUSE open of the control file: a new handle, direct I/O, not
// seekable (the handle is freed again if the reply fails).
void reply_open(fuse_req_t req, fuse_file_info* fi);
void release(uint64_t fh);
// Runs the request frame in buf[0..size). Returns 0 or an errno: EINVAL for
// a malformed frame or a type outside the tool range, or the failure of the
// exchange with the master (the master's own status travels in the reply).
int write(client::Client* c, const msg::Cred& cred, uint64_t fh, const char* buf, size_t size);
// The next at most size bytes of the last reply (a stream: offsets ignored).
std::string read(uint64_t fh, size_t size);

}  // namespace antler::mount::ctl
