#include "client/fuse/meta_ops.h"

#include <fcntl.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "client/fuse/ctl_file.h"
#include "common/net.h"

namespace antler::mount {

namespace {

// Inodes of the fixed directories; entries are kEntryBase + master inode.
constexpr fuse_ino_t kRoot = FUSE_ROOT_ID, kTrash = 2, kUndel = 3, kSustained = 4;
constexpr fuse_ino_t kEntryBase = 1ull << 32;

// A tool request to the master; the reply as R (or only a status).
template <class M, class R>
St ask(fuse_req_t req, const M& m, R* out) {
  std::string body, reply;
  serde::encode_body(m, body);
  uint32_t type = 0;
  St st = fs_of(req)->client->tool(cred_of(req), M::kType, body, &type, &reply);
  if (st != St::kOk) return st;
  if (type == R::kType && net::decode(reply, *out)) return out->status;
  msg::ClStatusReply s;
  if (type == msg::ClStatusReply::kType && net::decode(reply, s)) return s.status;
  return St::kProtocol;
}

// Every entry of the trash (what = kListTrash) or of the sustained files.
St list(fuse_req_t req, uint8_t what, std::vector<msg::TrashEntry>* out) {
  uint32_t after = 0;
  for (;;) {
    msg::ClTrashListReply r;
    St st = ask(req, msg::ClTrashList{0, {}, what, after, 1024}, &r);
    if (st != St::kOk) return st;
    for (auto& e : r.entries) out->push_back(std::move(e));
    if (r.eof || r.entries.empty()) return St::kOk;
    after = out->back().inode;
  }
}

// One entry by inode, if it is in that list.
St find(fuse_req_t req, uint8_t what, uint32_t inode, msg::TrashEntry* out) {
  if (inode == 0) return St::kNoEnt;
  msg::ClTrashListReply r;
  St st = ask(req, msg::ClTrashList{0, {}, what, inode - 1, 1}, &r);
  if (st != St::kOk) return st;
  if (r.entries.empty() || r.entries[0].inode != inode) return St::kNoEnt;
  *out = std::move(r.entries[0]);
  return St::kOk;
}

void dir_stat(fuse_ino_t ino, struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_ino = ino;
  st->st_mode = S_IFDIR | (ino == kUndel ? 0200 : 0700);
  st->st_nlink = ino == kRoot ? 4 : ino == kTrash ? 3 : 2;
}

void entry_stat(const msg::TrashEntry& e, struct stat* st) {
  attr_to_stat(e.attr, st);
  st->st_ino = kEntryBase + e.inode;
  st->st_nlink = 1;
}

void reply_entry(fuse_req_t req, const struct stat& st) {
  fuse_entry_param e;
  std::memset(&e, 0, sizeof(e));
  e.ino = st.st_ino;
  e.generation = 1;
  e.attr = st;
  // Nothing cached: the trash changes under us.
  fuse_reply_entry(req, &e);
}

void reply_err(fuse_req_t req, St st) { fuse_reply_err(req, to_errno(st)); }

// The control file .antlerctl, as in a normal mount: the mfs* tools work on
// trash and sustained files too (mfsfileinfo, mfscheckfile, ...).
bool is_ctl(fuse_ino_t ino) { return ino == ctl::kInode; }

uint8_t list_of(fuse_ino_t dir) { return dir == kSustained ? msg::kListSustained : msg::kListTrash; }

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  struct stat st;
  fuse_ino_t fixed = 0;
  if (parent == kRoot && !std::strcmp(name, ctl::kName)) {
    attr_to_stat(ctl::attr(), &st);
    return reply_entry(req, st);
  }
  if (parent == kRoot) fixed = !std::strcmp(name, "trash") ? kTrash : !std::strcmp(name, "sustained") ? kSustained : 0;
  else if (parent == kTrash && !std::strcmp(name, "undel")) fixed = kUndel;
  if (fixed) {
    dir_stat(fixed, &st);
    return reply_entry(req, st);
  }
  if (parent != kTrash && parent != kSustained) return reply_err(req, St::kNoEnt);
  msg::TrashEntry e;
  St s = find(req, list_of(parent), trash_inode(name), &e);
  if (s != St::kOk) return reply_err(req, s);
  if (parent == kTrash && trash_name(e.inode, e.path) != name) return reply_err(req, St::kNoEnt);
  entry_stat(e, &st);
  reply_entry(req, st);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  struct stat st;
  if (is_ctl(ino)) {
    attr_to_stat(ctl::attr(), &st);
    fuse_reply_attr(req, &st, 0);
    return;
  }
  if (ino < kEntryBase) {
    dir_stat(ino, &st);
    fuse_reply_attr(req, &st, 0);
    return;
  }
  uint32_t inode = static_cast<uint32_t>(ino - kEntryBase);
  msg::TrashEntry e;
  St s = find(req, msg::kListTrash, inode, &e);
  if (s == St::kNoEnt) s = find(req, msg::kListSustained, inode, &e);
  if (s != St::kOk) return reply_err(req, s);
  entry_stat(e, &st);
  fuse_reply_attr(req, &st, 0);
}

struct DirHandle {
  std::mutex mu;
  std::vector<std::pair<std::string, struct stat>> entries;
};

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (ino >= kEntryBase) return reply_err(req, St::kNotDir);
  auto* dh = new DirHandle;
  struct stat st;
  dir_stat(ino, &st);
  dh->entries.emplace_back(".", st);
  dir_stat(ino == kUndel ? kTrash : kRoot, &st);
  dh->entries.emplace_back("..", st);
  if (ino == kRoot) {
    dir_stat(kTrash, &st);
    dh->entries.emplace_back("trash", st);
    dir_stat(kSustained, &st);
    dh->entries.emplace_back("sustained", st);
  } else if (ino == kTrash || ino == kSustained) {
    if (ino == kTrash) {
      dir_stat(kUndel, &st);
      dh->entries.emplace_back("undel", st);
    }
    std::vector<msg::TrashEntry> list_out;
    St s = list(req, list_of(ino), &list_out);
    if (s != St::kOk) {
      delete dh;
      return reply_err(req, s);
    }
    for (const auto& e : list_out) {
      entry_stat(e, &st);
      dh->entries.emplace_back(ino == kTrash ? trash_name(e.inode, e.path) : trash_name(e.inode, ""), st);
    }
  }
  fi->fh = reinterpret_cast<uint64_t>(dh);
  if (fuse_reply_open(req, fi) != 0) delete dh;
}

void op_readdir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  auto* dh = reinterpret_cast<DirHandle*>(fi->fh);
  std::string buf;
  {
    std::lock_guard lk(dh->mu);
    for (size_t i = static_cast<size_t>(off); i < dh->entries.size(); i++) {
      const auto& [name, st] = dh->entries[i];
      size_t need = fuse_add_direntry(req, nullptr, 0, name.c_str(), nullptr, 0);
      if (buf.size() + need > size) break;
      size_t at = buf.size();
      buf.resize(at + need);
      fuse_add_direntry(req, buf.data() + at, need, name.c_str(), &st, static_cast<off_t>(i + 1));
    }
  }
  fuse_reply_buf(req, buf.data(), buf.size());
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<DirHandle*>(fi->fh);
  fuse_reply_err(req, 0);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (parent != kTrash) return reply_err(req, St::kPerm);
  uint32_t inode = trash_inode(name);
  if (inode == 0) return reply_err(req, St::kNoEnt);
  msg::ClStatusReply r;
  reply_err(req, ask(req, msg::ClTrashPurge{0, {}, inode}, &r));
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char*,
               unsigned int flags) {
  // mv asks for RENAME_NOREPLACE (1): fine, undel/ never holds anything.
  if (parent != kTrash || newparent != kUndel || (flags & ~1u) != 0) return reply_err(req, St::kPerm);
  uint32_t inode = trash_inode(name);
  if (inode == 0) return reply_err(req, St::kNoEnt);
  msg::ClStatusReply r;
  reply_err(req, ask(req, msg::ClUndel{0, {}, inode}, &r));
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (is_ctl(ino)) return ctl::reply_open(req, fi);
  if (ino < kEntryBase) return reply_err(req, St::kIsDir);
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return reply_err(req, St::kPerm);
  uint64_t fh = 0;
  client::Client* c = fs_of(req)->client;
  St s = c->open(cred_of(req), static_cast<uint32_t>(ino - kEntryBase), O_RDONLY, &fh);
  if (s != St::kOk) return reply_err(req, s);
  fi->fh = fh;
  fi->direct_io = 1;
  if (fuse_reply_open(req, fi) != 0) c->release(fh);
}

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  std::string data;
  if (is_ctl(ino)) {
    data = ctl::read(fi->fh, size);
    fuse_reply_buf(req, data.data(), data.size());
    return;
  }
  St s = fs_of(req)->client->read(fi->fh, static_cast<uint64_t>(off), size, &data);
  if (s != St::kOk) return reply_err(req, s);
  fuse_reply_buf(req, data.data(), data.size());
}

// Whether a request through the meta mount's control file may pass: only
// the diagnostic ones (ClFileInfo .. ClFileRepair, each starting with the
// ToolHeader and an inode), and not for inodes 1 to 4. The tools name an
// entry by its st_ino cut to 32 bits: an entry (kEntryBase + inode) becomes
// the master's inode, but the meta mount's own directories (1 to 4) would
// name other inodes there. (A deleted file with such a low inode number
// cannot be inspected here.)
bool meta_ctl_allowed(const char* buf, size_t size) {
  uint32_t hdr[2] = {0, 0};
  if (size < sizeof(hdr)) return false;
  std::memcpy(hdr, buf, sizeof(hdr));
  if (hdr[0] < msg::ClFileInfo::kType || hdr[0] > msg::ClFileRepair::kType) return false;
  serde::Reader r(buf + sizeof(hdr), size - sizeof(hdr));
  msg::ToolHeader h;
  uint32_t inode = 0;
  return r.get(h.req) && r.get(h.cred) && r.get(inode) && inode > kSustained;
}

// Only the control file is ever open for writing (op_open refuses the rest).
void op_write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t, fuse_file_info* fi) {
  if (!is_ctl(ino)) return reply_err(req, St::kPerm);
  if (!meta_ctl_allowed(buf, size)) return reply_err(req, St::kPerm);
  int e = ctl::write(fs_of(req)->client, cred_of(req), fi->fh, buf, size);
  if (e != 0) return (void)fuse_reply_err(req, e);
  fuse_reply_write(req, size);
}

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (is_ctl(ino)) {
    ctl::release(fi->fh);
    return (void)fuse_reply_err(req, 0);
  }
  reply_err(req, fs_of(req)->client->release(fi->fh));
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
  client::Statfs s;
  St st = fs_of(req)->client->statfs(&s);
  if (st != St::kOk) return reply_err(req, st);
  struct statvfs v;
  std::memset(&v, 0, sizeof(v));
  v.f_bsize = v.f_frsize = 65536;
  v.f_blocks = s.trash_bytes / 65536;
  v.f_namemax = 255;
  fuse_reply_statfs(req, &v);
}

fuse_lowlevel_ops make() {
  fuse_lowlevel_ops ops;
  std::memset(&ops, 0, sizeof(ops));
  ops.lookup = op_lookup;
  ops.getattr = op_getattr;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.releasedir = op_releasedir;
  ops.unlink = op_unlink;
  ops.rename = op_rename;
  ops.open = op_open;
  ops.read = op_read;
  ops.write = op_write;
  ops.release = op_release;
  ops.statfs = op_statfs;
  return ops;
}

}  // namespace

std::string trash_name(uint32_t inode, const std::string& path) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "%08X", inode);
  std::string out = hex;
  if (!path.empty()) {
    out += '|';
    for (char c : path) out += c == '/' ? '|' : c;
  }
  if (out.size() > 255) out.resize(255);
  return out;
}

uint32_t trash_inode(const char* name) {
  uint64_t v = 0;
  int digits = 0;
  for (; name[digits] && name[digits] != '|'; digits++) {
    char c = name[digits];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0 || digits >= 8) return 0;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  return digits == 8 ? static_cast<uint32_t>(v) : 0;
}

const fuse_lowlevel_ops& meta_ops() {
  static const fuse_lowlevel_ops ops = make();
  return ops;
}

}  // namespace antler::mount
