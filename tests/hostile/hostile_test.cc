// A hostile client: requests that mfsmount never sends, spoken straight to
// a real master (tests/system/hostile.sh starts the cluster, lays out the
// files below through a real mount, and runs this with the master's client
// port in HOSTILE_MASTER_PORT). One test per defect of the hardening issue;
// each checks what a tenant of a shared cluster would: that it cannot read,
// change or even see what its export does not give it.
//
// Exports (mfsexports.cfg, written by hostile.sh): 127.0.0.1 / rw,alldirs,
// maproot=0 (the admin view used to find inode numbers and check results);
// 127.0.0.2 /tenantA rw,maproot=0; 127.0.0.3 /ro ro,maproot=0;
// 127.0.0.4 / rw,mapall=65534:65534; 127.0.0.5 / ro plus . rw (meta);
// 127.0.0.6 / rw,alldirs,maproot=0.
// Files: /notrash (trash time 0), /tenantA/mine, /tenantA/shared (a hard link of /tenantB/shared),
// /tenantB/secret (0600), /rootonly (0600), /rootrw (0644), /ro/small
// (33 bytes).
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/msg/client.h"
#include "common/msg/data.h"
#include "common/msg/master_cs.h"
#include "common/msg/tools.h"
#include "common/net.h"

namespace antler {
namespace {

using msg::Cred;

constexpr uint32_t kR = 4, kW = 2;
const Cred kRoot{0, 0, {}};

uint16_t env_port(const char* name, uint16_t dflt) {
  const char* p = std::getenv(name);
  return p ? static_cast<uint16_t>(std::atoi(p)) : dflt;
}
uint16_t master_port() { return env_port("HOSTILE_MASTER_PORT", 9421); }

// Resident memory of the process whose pid is in environment variable env, in MiB.
double rss_mib(const char* env) {
  const char* pid = std::getenv(env);
  if (!pid) {
    ADD_FAILURE() << env << " is not set";
    return 0;
  }
  std::ifstream in(std::string("/proc/") + pid + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  ADD_FAILURE() << "no VmRSS for pid " << pid;
  return 0;
}

// A raw TCP connection from a loopback address: what a hostile peer sends
// before any handshake.
std::unique_ptr<net::Conn> raw(const std::string& from, uint16_t port) {
  uint32_t ip = 0, local = 0;
  net::resolve_ipv4("127.0.0.1", ip);
  net::resolve_ipv4(from, local);
  auto c = std::make_unique<net::Conn>();
  if (!c->connect(ip, port, 5000, local)) return nullptr;
  return c;
}

// A frame header announcing `size` bytes of type `type`, and nothing more.
bool announce(net::Conn& c, uint32_t type, uint32_t size) {
  uint32_t hdr[2] = {type, size};
  return c.send_raw(std::string_view(reinterpret_cast<const char*>(hdr), sizeof hdr));
}

// Whether the peer has closed c (now, without waiting).
bool is_closed(net::Conn& c) {
  pollfd p{c.fd(), POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char buf[4096];
  return ::recv(c.fd(), buf, sizeof buf, MSG_DONTWAIT) <= 0;
}

// Whether the peer closed c within ms milliseconds (reads and drops what
// it sends meanwhile).
bool closed_within(net::Conn& c, int ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count());
    if (left <= 0) return false;
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
}

// One connection registered as a session, from a chosen loopback address
// (which selects the export rule).
class Client {
 public:
  // Registers (subdir, or the meta file system); resumes session_id with
  // secret when given.
  Client(const std::string& from, const std::string& subdir, bool meta = false, uint64_t session_id = 0,
         const std::string& secret = "") {
    uint32_t ip = 0, local = 0;
    EXPECT_TRUE(net::resolve_ipv4("127.0.0.1", ip));
    EXPECT_TRUE(net::resolve_ipv4(from, local));
    if (!conn_.connect(ip, master_port(), 5000, local)) {
      ADD_FAILURE() << "cannot connect to the master on port " << master_port() << " from " << from;
      return;
    }
    msg::Hello hello;
    hello.role = msg::kRoleClient;
    hello.name = "hostile";
    msg::HelloReply hr;
    EXPECT_TRUE(conn_.send(hello) && conn_.recv_as(hr, 5000));
    msg::ClRegister reg;
    reg.subdir = subdir;
    reg.meta = meta;
    reg.session_id = session_id;
    reg.secret = secret;
    reg.info = "hostile test";
    reg.version = 0x7fffff;
    EXPECT_TRUE(conn_.send(reg) && conn_.recv_as(registered, 5000)) << conn_.last_error();
  }

  // Sends m and reads its reply into *out; a ClStatusReply in its place
  // (a refused session, a meta session's namespace request) sets only
  // out->status. Returns out->status.
  template <class M, class R>
  St call(M m, R* out) {
    m.req = ++req_;
    *out = R{};
    if (!conn_.send(m)) {
      ADD_FAILURE() << "send failed";
      return out->status = St::kDisconnected;
    }
    uint32_t type = 0;
    std::string payload;
    if (!conn_.recv(type, payload, 10000)) {
      ADD_FAILURE() << "no reply to message type " << M::kType << ": " << conn_.last_error();
      return out->status = St::kDisconnected;
    }
    if (type == R::kType && net::decode(payload, *out)) return out->status;
    msg::ClStatusReply s;
    if (type == msg::ClStatusReply::kType && net::decode(payload, s)) return out->status = s.status;
    ADD_FAILURE() << "unexpected reply type " << type << " to " << M::kType;
    return out->status = St::kProtocol;
  }
  template <class M>
  St status(M m) {
    msg::ClStatusReply r;
    return call(m, &r);
  }

  uint32_t lookup(uint32_t parent, const std::string& name, msg::Attr* attr = nullptr) {
    msg::ClAttrReply r;
    if (call(msg::ClLookup{0, kRoot, parent, name}, &r) != St::kOk) return 0;
    if (attr) *attr = r.attr;
    return r.attr.inode;
  }
  msg::Attr getattr(uint32_t ino) {
    msg::ClAttrReply r;
    call(msg::ClGetattr{0, ino}, &r);
    return r.attr;
  }

  msg::ClRegisterReply registered;

 private:
  net::Conn conn_;
  uint32_t req_ = 0;
};

// The admin view: every inode by path.
class Hostile : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(admin_.registered.status, St::kOk) << admin_.registered.message; }
  uint32_t path(const std::string& p) {
    uint32_t ino = 1;
    size_t pos = 1;
    while (pos < p.size()) {
      size_t next = p.find('/', pos);
      if (next == std::string::npos) next = p.size();
      ino = admin_.lookup(ino, p.substr(pos, next - pos));
      EXPECT_NE(ino, 0u) << p << " is missing (hostile.sh lays it out)";
      pos = next + 1;
    }
    return ino;
  }
  uint64_t length(const std::string& p) { return admin_.getattr(path(p)).size; }

  Client admin_{"127.0.0.1", "/"};
};

// Defect 1: a subfolder export reaches only its tree.
TEST_F(Hostile, SubfolderExportReachesNothingOutsideItsTree) {
  uint32_t tenant_b = path("/tenantB"), secret = path("/tenantB/secret"), shared = path("/tenantB/shared");
  Client a("127.0.0.2", "/tenantA");
  ASSERT_EQ(a.registered.status, St::kOk) << a.registered.message;
  // What it may: its own files, and a file hard-linked into its tree.
  EXPECT_NE(a.lookup(1, "mine"), 0u);
  msg::ClAttrReply attr;
  EXPECT_EQ(a.call(msg::ClGetattr{0, shared}, &attr), St::kOk) << "a hard link inside the export is reachable";
  // What it may not: anything else, by inode number.
  EXPECT_EQ(a.call(msg::ClGetattr{0, secret}, &attr), St::kNoEnt);
  EXPECT_EQ(a.call(msg::ClLookup{0, kRoot, tenant_b, "secret"}, &attr), St::kNoEnt);
  msg::ClReaddirReply dir;
  EXPECT_EQ(a.call(msg::ClReaddir{0, kRoot, tenant_b, 0, 100}, &dir), St::kNoEnt);
  EXPECT_TRUE(dir.entries.empty());
  msg::ClOpenReply open;
  EXPECT_EQ(a.call(msg::ClOpen{0, kRoot, secret, kR, false, false}, &open), St::kNoEnt);
  msg::ClChunkReply chunk;
  EXPECT_EQ(a.call(msg::ClReadChunk{0, secret, 0}, &chunk), St::kNoEnt);
  EXPECT_EQ(chunk.chunk_id, 0u) << "no chunk id leaks";
  EXPECT_EQ(a.call(msg::ClMknod{0, kRoot, tenant_b, "planted", msg::kFile, 0644, 0, true, false, 0, 0}, &attr),
            St::kNoEnt);
  EXPECT_EQ(a.status(msg::ClRename{0, kRoot, tenant_b, "secret", 1, "stolen", 0}), St::kNoEnt);
  EXPECT_EQ(a.call(msg::ClLink{0, kRoot, secret, 1, "stolen-link"}, &attr), St::kNoEnt);
  // Nothing moved or appeared.
  EXPECT_EQ(admin_.lookup(tenant_b, "secret"), secret);
  EXPECT_EQ(admin_.lookup(tenant_b, "planted"), 0u);
  EXPECT_EQ(admin_.lookup(path("/tenantA"), "stolen"), 0u);
  EXPECT_EQ(admin_.lookup(path("/tenantA"), "stolen-link"), 0u);
}

// Defect 2: chunk requests need what the open checked.
TEST_F(Hostile, ChunkReadsAndWritesNeedAnOpenThatPassedThePermissionCheck) {
  uint32_t rootonly = path("/rootonly"), rootrw = path("/rootrw");
  uint64_t rw_length = length("/rootrw");
  Client nobody("127.0.0.4", "/");  // mapall=65534:65534
  ASSERT_EQ(nobody.registered.status, St::kOk) << nobody.registered.message;
  msg::ClOpenReply open;
  ASSERT_EQ(nobody.call(msg::ClOpen{0, kRoot, rootonly, kR, false, false}, &open), St::kAccess)
      << "the open itself is refused (mode 0600, mapped to nobody)";
  msg::ClChunkReply chunk;
  EXPECT_EQ(nobody.call(msg::ClReadChunk{0, rootonly, 0}, &chunk), St::kAccess);
  EXPECT_EQ(chunk.chunk_id, 0u);
  EXPECT_EQ(nobody.call(msg::ClWriteChunk{0, rootrw, 0, 4096}, &chunk), St::kAccess);
  EXPECT_EQ(chunk.chunk_id, 0u);
  msg::ClAppendReply app;
  EXPECT_EQ(nobody.call(msg::ClAppend{0, rootrw, 4096}, &app), St::kAccess);
  // Reading what others may read works, once opened.
  ASSERT_EQ(nobody.call(msg::ClOpen{0, kRoot, rootrw, kR, false, false}, &open), St::kOk);
  EXPECT_EQ(nobody.call(msg::ClReadChunk{0, rootrw, 0}, &chunk), St::kOk);
  EXPECT_NE(chunk.chunk_id, 0u);
  // A read handle does not make a writer.
  EXPECT_EQ(nobody.call(msg::ClWriteChunk{0, rootrw, 0, 4096}, &chunk), St::kAccess);
  EXPECT_EQ(nobody.status(msg::ClWriteChunkEnd{0, rootrw, open.chunk_id, 1 << 20, St::kOk}), St::kAccess);
  EXPECT_EQ(length("/rootrw"), rw_length);
}

// Defect 3: lengths stay within what a write could make them.
TEST_F(Hostile, WriteEndFromAReadOnlyExportChangesNoLength) {
  uint32_t small = path("/ro/small");
  ASSERT_EQ(length("/ro/small"), 33u);
  Client ro("127.0.0.3", "/ro");
  ASSERT_EQ(ro.registered.status, St::kOk) << ro.registered.message;
  msg::ClOpenReply open;
  ASSERT_EQ(ro.call(msg::ClOpen{0, kRoot, small, kR, false, false}, &open), St::kOk);
  ASSERT_NE(open.chunk_id, 0u);
  EXPECT_EQ(ro.status(msg::ClWriteChunkEnd{0, small, open.chunk_id, 1 << 20, St::kOk}), St::kRoFs);
  EXPECT_EQ(length("/ro/small"), 33u);
}

TEST_F(Hostile, LengthsAboveTheMaximumFileSizeAreRefused) {
  uint32_t rootrw = path("/rootrw");
  uint64_t before = length("/rootrw");
  msg::ClOpenReply open;
  ASSERT_EQ(admin_.call(msg::ClOpen{0, kRoot, rootrw, kR | kW, false, false}, &open), St::kOk);
  for (uint64_t size : {~uint64_t{0}, uint64_t{1} << 63, msg::kMaxFileLength + 1}) {
    msg::ClSetattr set;
    set.cred = kRoot;
    set.inode = rootrw;
    set.mask = msg::kSetSize;
    set.size = size;
    msg::ClAttrReply r;
    EXPECT_EQ(admin_.call(set, &r), St::kTooBig) << "truncate to " << size;
    EXPECT_EQ(admin_.status(msg::ClWriteChunkEnd{0, rootrw, open.chunk_id, size, St::kOk}), St::kTooBig)
        << "write end at " << size;
  }
  // A write end may not grow the file past the chunk it names.
  EXPECT_EQ(admin_.status(msg::ClWriteChunkEnd{0, rootrw, open.chunk_id, uint64_t{3} << 26, St::kOk}), St::kInval);
  EXPECT_EQ(length("/rootrw"), before);
  EXPECT_EQ(admin_.status(msg::ClRelease{0, rootrw}), St::kOk);
}

// Defect 4: a meta session sees the trash, not the namespace.
TEST_F(Hostile, AMetaSessionCannotChangeTheNamespace) {
  Client meta("127.0.0.5", "", true);
  ASSERT_EQ(meta.registered.status, St::kOk) << meta.registered.message;
  msg::ClStatfsReply fs;
  EXPECT_EQ(meta.call(msg::ClStatfs{0}, &fs), St::kOk);
  msg::ClTrashListReply trash;
  EXPECT_EQ(meta.call(msg::ClTrashList{0, kRoot, msg::kListTrash, 0, 10}, &trash), St::kOk);
  msg::ClAttrReply attr;
  EXPECT_EQ(meta.call(msg::ClMknod{0, kRoot, 1, "meta-made", msg::kFile, 0644, 0, true, false, 0, 0}, &attr),
            St::kPerm);
  EXPECT_EQ(meta.status(msg::ClUnlink{0, kRoot, 1, "rootrw", false}), St::kPerm);
  EXPECT_EQ(meta.call(msg::ClGetattr{0, path("/rootonly")}, &attr), St::kPerm);
  msg::ClOpenReply open;
  EXPECT_EQ(meta.call(msg::ClOpen{0, kRoot, path("/rootonly"), kR, false, false}, &open), St::kNoEnt)
      << "through the meta mount only deleted files open";
  EXPECT_EQ(admin_.lookup(1, "meta-made"), 0u);
  EXPECT_NE(admin_.lookup(1, "rootrw"), 0u);
}

// Defect 5: the master picks session ids, and only the secret it gave
// resumes one.
TEST_F(Hostile, ASessionIsResumedOnlyWithItsSecret) {
  Client victim("127.0.0.6", "/");
  ASSERT_EQ(victim.registered.status, St::kOk) << victim.registered.message;
  uint64_t id = victim.registered.session_id;
  EXPECT_EQ(victim.registered.secret.size(), 16u);
  EXPECT_FALSE(victim.registered.resumed);

  Client chooser("127.0.0.6", "/", false, 0x1234);
  EXPECT_NE(chooser.registered.session_id, 0x1234u) << "a client cannot choose its session id";
  EXPECT_FALSE(chooser.registered.resumed);

  Client thief("127.0.0.6", "/tenantA", false, id, "not the secret");
  ASSERT_EQ(thief.registered.status, St::kOk);
  EXPECT_NE(thief.registered.session_id, id);
  EXPECT_FALSE(thief.registered.resumed);
  EXPECT_NE(victim.lookup(1, "tenantB"), 0u) << "the victim's session still has its own root";

  Client same("127.0.0.6", "/", false, id, victim.registered.secret);
  EXPECT_EQ(same.registered.session_id, id);
  EXPECT_TRUE(same.registered.resumed) << "with the secret, the session resumes";
}

// Defect 6: a session whose client is gone ends after SESSION_SUSTAIN_TIME
// (hostile.sh sets 2 s): the files it held open are released, and a deleted
// one goes.
TEST_F(Hostile, ASessionWhoseClientIsGoneEndsAndReleasesItsFiles) {
  uint32_t dir = path("/notrash");
  uint32_t ino = 0;
  uint64_t id = 0;
  std::string secret;
  {
    Client gone("127.0.0.6", "/");
    ASSERT_EQ(gone.registered.status, St::kOk);
    id = gone.registered.session_id;
    secret = gone.registered.secret;
    msg::ClAttrReply made;
    ASSERT_EQ(gone.call(msg::ClMknod{0, kRoot, dir, "left-open", msg::kFile, 0644, 0, true, true, kR | kW, 0}, &made),
              St::kOk);
    ino = made.attr.inode;
    ASSERT_EQ(gone.status(msg::ClUnlink{0, kRoot, dir, "left-open", false}), St::kOk);
    msg::ClAttrReply attr;
    ASSERT_EQ(gone.call(msg::ClGetattr{0, ino}, &attr), St::kOk) << "open and unlinked: sustained";
  }  // the connection closes
  Client meta("127.0.0.5", "", true);
  auto sustained = [&] {
    msg::ClTrashListReply r;
    EXPECT_EQ(meta.call(msg::ClTrashList{0, kRoot, msg::kListSustained, 0, 1000}, &r), St::kOk);
    for (const auto& e : r.entries)
      if (e.inode == ino) return true;
    return false;
  };
  ASSERT_TRUE(sustained()) << "inode " << ino << " is not among the sustained files";
  bool released = false;
  for (int i = 0; i < 100 && !released; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    released = !sustained();
  }
  EXPECT_TRUE(released) << "inode " << ino << " still sustained 10 s after its session's client left";
  Client back("127.0.0.6", "/", false, id, secret);
  EXPECT_FALSE(back.registered.resumed) << "the session ended";
}

// Defect 7: before a peer has authenticated, frames are small and buffers
// grow only as bytes arrive; a connection that never authenticates is
// closed; connections per address are capped.
TEST_F(Hostile, AnnouncedFramesCostNothingUntilTheirBytesArrive) {
  double before = rss_mib("HOSTILE_MASTER_PID");
  uint16_t cs_port = env_port("HOSTILE_MATOCS_PORT", 9420);
  std::vector<std::unique_ptr<net::Conn>> held;
  // Unauthenticated: a large announcement closes the connection at once.
  for (int i = 0; i < 8; i++) {
    auto c = raw("127.0.0.9", cs_port);
    ASSERT_TRUE(c);
    ASSERT_TRUE(announce(*c, msg::Hello::kType, 60u << 20));
    EXPECT_TRUE(closed_within(*c, 3000)) << "a 60 MiB frame before the handshake";
  }
  // After a chunkserver's handshake: 60 MiB announced, nothing sent.
  for (int i = 0; i < 8; i++) {
    auto c = raw("127.0.0.9", cs_port);
    ASSERT_TRUE(c);
    msg::Hello hello;
    hello.role = msg::kRoleChunkserver;
    msg::HelloReply hr;
    ASSERT_TRUE(c->send(hello) && c->recv_as(hr, 5000));
    ASSERT_EQ(hr.status, St::kOk);
    ASSERT_TRUE(announce(*c, msg::CsRegister::kType, 60u << 20));
    held.push_back(std::move(c));
  }
  // Clients before registration: 1 MiB announced each.
  for (int i = 0; i < 100; i++) {
    auto c = raw("127.0.0.9", master_port());
    ASSERT_TRUE(c);
    ASSERT_TRUE(announce(*c, msg::Hello::kType, 1u << 20));
    held.push_back(std::move(c));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  double after = rss_mib("HOSTILE_MASTER_PID");
  EXPECT_LT(after - before, 32.0) << "the master grew from " << before << " to " << after << " MiB";
  int closed = 0;
  for (size_t i = 8; i < held.size(); i++) closed += is_closed(*held[i]) ? 1 : 0;
  EXPECT_EQ(closed, 100) << "a 1 MiB frame before registration closes the connection";
}

TEST_F(Hostile, AConnectionThatNeverAuthenticatesIsClosed) {
  auto c = raw("127.0.0.9", master_port());
  ASSERT_TRUE(c);
  EXPECT_TRUE(closed_within(*c, 15000)) << "the handshake timeout is 10 s";
}

TEST_F(Hostile, ConnectionsPerAddressAreCapped) {
  // hostile.sh sets MAX_CONNECTIONS_PER_IP = 40 for the master.
  std::vector<std::unique_ptr<net::Conn>> conns;
  for (int i = 0; i < 50; i++) {
    auto c = raw("127.0.0.10", master_port());
    ASSERT_TRUE(c) << "connect " << i;
    conns.push_back(std::move(c));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int refused = 0;
  for (auto& c : conns) refused += is_closed(*c) ? 1 : 0;
  EXPECT_EQ(refused, 10);
  Client other("127.0.0.6", "/");
  EXPECT_EQ(other.registered.status, St::kOk) << "other addresses still get in";
}

TEST_F(Hostile, TheDataPortStaysBounded) {
  uint16_t port = env_port("HOSTILE_CS_PORT", 9422);
  double before = rss_mib("HOSTILE_CS_PID");
  std::vector<std::unique_ptr<net::Conn>> conns;
  int closed_at_once = 0;
  for (int i = 0; i < 200; i++) {
    auto c = raw("127.0.0.11", port);
    if (!c) continue;
    announce(*c, msg::Hello::kType, 1u << 20);
    conns.push_back(std::move(c));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (auto& c : conns) closed_at_once += is_closed(*c) ? 1 : 0;
  EXPECT_EQ(closed_at_once, static_cast<int>(conns.size())) << "a 1 MiB Hello is refused";
  double after = rss_mib("HOSTILE_CS_PID");
  EXPECT_LT(after - before, 32.0) << "the chunkserver grew from " << before << " to " << after << " MiB";
  // Idle connections beyond MAX_CONNECTIONS_PER_IP (32 for this one) are refused.
  conns.clear();
  for (int i = 0; i < 40; i++)
    if (auto c = raw("127.0.0.12", port)) conns.push_back(std::move(c));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int refused = 0;
  for (auto& c : conns) refused += is_closed(*c) ? 1 : 0;
  EXPECT_EQ(refused, 8);
}

// Beyond MooseFS: the data port serves a chunk only with the master's token
// for that chunk, version and mode.
class DataPort {
 public:
  explicit DataPort(const msg::Location& loc) {
    EXPECT_TRUE(conn_.connect(loc.ip, loc.port, 5000)) << "cannot reach the chunkserver";
    msg::Hello h;
    h.role = msg::kRoleClient;
    msg::HelloReply hr;
    EXPECT_TRUE(conn_.send(h) && conn_.recv_as(hr, 5000));
  }
  // The read's status; *data gets what was sent before it.
  St read(uint64_t id, uint32_t version, const std::string& token, std::string* data = nullptr) {
    if (!conn_.send(msg::CsRead{id, version, 0, 65536, token})) return St::kDisconnected;
    for (;;) {
      uint32_t type = 0;
      std::string payload;
      if (!conn_.recv(type, payload, 10000)) return St::kDisconnected;
      if (type == msg::CsReadData::kType) {
        msg::CsReadData d;
        if (!net::decode(payload, d)) return St::kProtocol;
        if (data) *data += d.data;
        continue;
      }
      msg::CsReadStatus rs;
      if (type != msg::CsReadStatus::kType || !net::decode(payload, rs)) return St::kProtocol;
      return rs.status;
    }
  }
  St write_init(uint64_t id, uint32_t version, const std::string& token) {
    msg::CsWriteStatus ws;
    if (!conn_.send(msg::CsWriteInit{id, version, {}, token}) || !conn_.recv_as(ws, 10000)) return St::kDisconnected;
    return ws.status;
  }

 private:
  net::Conn conn_;
};

TEST_F(Hostile, ChunkserversServeOnlyWithTheMastersToken) {
  uint32_t rootrw = path("/rootrw"), rootonly = path("/rootonly");
  msg::ClOpenReply open;
  ASSERT_EQ(admin_.call(msg::ClOpen{0, kRoot, rootrw, kR, false, false}, &open), St::kOk);
  ASSERT_EQ(admin_.call(msg::ClOpen{0, kRoot, rootonly, kR, false, false}, &open), St::kOk);
  msg::ClChunkReply rw, other;
  ASSERT_EQ(admin_.call(msg::ClReadChunk{0, rootrw, 0}, &rw), St::kOk);
  ASSERT_EQ(admin_.call(msg::ClReadChunk{0, rootonly, 0}, &other), St::kOk);
  ASSERT_NE(rw.chunk_id, 0u);
  ASSERT_FALSE(rw.locations.empty());
  EXPECT_EQ(rw.token.size(), 21u) << "the master hands out a token with each read location";
  DataPort cs(rw.locations[0]);
  std::string got;
  EXPECT_EQ(cs.read(rw.chunk_id, rw.version, "", &got), St::kBadToken);
  EXPECT_TRUE(got.empty()) << "no byte is sent without a token";
  EXPECT_EQ(cs.read(rw.chunk_id, rw.version, other.token), St::kBadToken) << "another chunk's token";
  EXPECT_EQ(cs.read(rw.chunk_id, rw.version, std::string(21, 'x')), St::kBadToken) << "a forged token";
  std::string flipped = rw.token;
  flipped.back() = static_cast<char>(flipped.back() ^ 1);
  EXPECT_EQ(cs.read(rw.chunk_id, rw.version, flipped), St::kBadToken) << "a token with one bit changed";
  EXPECT_EQ(cs.write_init(rw.chunk_id, rw.version, rw.token), St::kBadToken) << "a read token used to write";
  // Guessing ids and versions, as an attacker of MooseFS's data port would:
  // nothing is served.
  for (uint64_t id = 1; id <= 8; id++)
    for (uint32_t v = 1; v <= 8; v++) {
      std::string data;
      EXPECT_EQ(cs.read(id, v, "", &data), St::kBadToken) << "chunk " << id << " v" << v;
      EXPECT_TRUE(data.empty());
    }
  // The connection stays usable, and the real token reads.
  EXPECT_EQ(cs.read(rw.chunk_id, rw.version, rw.token, &got), St::kOk);
  EXPECT_FALSE(got.empty());
}

// Defect 10: NUL bytes in xattr names and symlink targets.
TEST_F(Hostile, NulInAnXattrNameOrASymlinkTargetIsRefused) {
  uint32_t mine = path("/tenantA/mine");
  EXPECT_EQ(admin_.status(msg::ClSetXattr{0, kRoot, mine, std::string("user.a\0b", 8), "v", 0}), St::kInval);
  msg::ClAttrReply attr;
  EXPECT_EQ(admin_.call(msg::ClSymlink{0, kRoot, path("/tenantA"), "nul-link", std::string("a\0b", 3)}, &attr),
            St::kInval);
  EXPECT_EQ(admin_.lookup(path("/tenantA"), "nul-link"), 0u);
}

}  // namespace
}  // namespace antler
