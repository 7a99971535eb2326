#include "client/fuse/ctl_file.h"

#include "client/fuse/fuse_ops.h"  // fuse_lowlevel.h

#include <cerrno>
#include <cstring>
#include <mutex>

namespace antler::mount::ctl {

namespace {

struct Handle {
  std::mutex mu;
  std::string reply;  // what read() has not returned yet
};

}  // namespace

msg::Attr attr() {
  msg::Attr a;
  a.inode = kInode;
  a.type = msg::kFile;
  a.mode = 0666;
  a.nlink = 1;
  return a;
}

uint64_t open() { return reinterpret_cast<uint64_t>(new Handle); }

void release(uint64_t fh) { delete reinterpret_cast<Handle*>(fh); }

void reply_open(fuse_req_t req, fuse_file_info* fi) {
  fi->fh = open();
  fi->direct_io = 1;
  fi->nonseekable = 1;
  if (fuse_reply_open(req, fi) != 0) release(fi->fh);
}

int write(client::Client* c, const msg::Cred& cred, uint64_t fh, const char* buf, size_t size) {
  if (size < 8) return EINVAL;
  uint32_t hdr[2];
  std::memcpy(hdr, buf, 8);
  if (hdr[1] != size - 8 || hdr[0] < msg::kToolFirst || hdr[0] > msg::kToolLast) return EINVAL;
  uint32_t type = 0;
  std::string payload;
  St st = c->tool(cred, hdr[0], std::string_view(buf + 8, size - 8), &type, &payload);
  if (st != St::kOk) return to_errno(st);
  std::string frame(8, '\0');
  uint32_t out[2] = {type, static_cast<uint32_t>(payload.size())};
  std::memcpy(frame.data(), out, 8);
  frame += payload;
  auto* h = reinterpret_cast<Handle*>(fh);
  std::lock_guard lk(h->mu);
  h->reply = std::move(frame);
  return 0;
}

std::string read(uint64_t fh, size_t size) {
  auto* h = reinterpret_cast<Handle*>(fh);
  std::lock_guard lk(h->mu);
  size = std::min(size, h->reply.size());
  std::string out = h->reply.substr(0, size);
  h->reply.erase(0, size);
  return out;
}

}  // namespace antler::mount::ctl
