// The master's request handlers, driven through its frame entry points with
// fake connections: no sockets, no loop thread. A client link and a
// chunkserver link are FakeLinks that record what the master sends them.
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/chunk_token.h"
#include "common/daemon.h"
#include "common/messages.h"
#include "common/msg/metalogger.h"
#include "common/net.h"
#include "daemons/master/master.h"
#include "daemons/master/master_settings.h"

namespace antler::master {
namespace {

class FakeLink : public Link {
 public:
  explicit FakeLink(uint32_t ip = 0x7f000001) {
    peer_ip = ip;
    peer = "127.0.0.1:40000";
  }
  void send(std::string frame) override { out.push_back(std::move(frame)); }
  void close(const std::string& why) override {
    open_ = false;
    closed_why = why;
  }
  bool open() const override { return open_; }

  // The oldest frame not taken yet, which must be an M.
  template <class M>
  M take() {
    M m;
    EXPECT_FALSE(out.empty()) << "nothing sent, expected message type " << M::kType;
    if (out.empty()) return m;
    std::string f = std::move(out.front());
    out.pop_front();
    uint32_t hdr[2];
    std::memcpy(hdr, f.data(), 8);
    EXPECT_EQ(hdr[0], M::kType);
    EXPECT_EQ(hdr[1], f.size() - 8);
    EXPECT_TRUE(net::decode(std::string_view(f).substr(8), m)) << "reply of type " << hdr[0] << " does not decode";
    return m;
  }

  std::deque<std::string> out;
  std::string closed_why;

 private:
  bool open_ = true;
};

template <class M>
std::string payload(const M& m) {
  return net::frame(m).substr(8);
}

constexpr uint32_t kRoot = 1;
const msg::Cred kRootCred{0, 0, {}};

class MasterService : public ::testing::Test {
 protected:
  void TearDown() override {
    master_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // A master over a fresh DATA_PATH with these exports, opened (metadata
  // loaded) but not listening.
  void open_master(const std::string& exports = "*  /  rw,alldirs,admin,maproot=0\n*  .  rw\n") {
    char tmpl[] = "/tmp/antler-master-service-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/mfsexports.cfg") << exports;
    auto settings = load_master_settings(Config::defaults(with_daemon_keys(master_keys(), "mfsmaster")));
    ASSERT_TRUE(settings.ok()) << settings.status().message();
    settings->data_path = dir_;
    settings->exports_filename = dir_ + "/mfsexports.cfg";
    settings->topology_filename = dir_ + "/mfstopology.cfg";  // missing: no topology
    settings->default_goal = 1;
    settings->default_trashtime = 0;  // unlinked files go at once, not to the trash
    settings->chunk_tokens = chunk_tokens_;
    settings->sync_metaloggers = sync_metaloggers_;
    master_ = std::make_unique<Master>(*settings);
    ASSERT_EQ(master_->open(false), 0);
  }

  template <class M>
  bool to_master(const std::shared_ptr<FakeLink>& link, const M& m) {
    return master_->on_client_frame(link, M::kType, payload(m));
  }
  template <class M>
  bool cs_to_master(const std::shared_ptr<FakeLink>& link, const M& m) {
    return master_->on_cs_frame(link, M::kType, payload(m));
  }

  // A client connection with a registered session on subdir.
  std::shared_ptr<FakeLink> mount(const std::string& subdir = "/", St expect = St::kOk) {
    auto link = std::make_shared<FakeLink>();
    EXPECT_TRUE(to_master(link, msg::Hello{}));
    EXPECT_EQ(link->take<msg::HelloReply>().status, St::kOk);
    msg::ClRegister reg;
    reg.req = 1;
    reg.subdir = subdir;
    reg.info = "test mount";
    reg.version = ANTLER_VERSION_NUM;
    EXPECT_TRUE(to_master(link, reg));
    auto r = link->take<msg::ClRegisterReply>();
    EXPECT_EQ(r.status, expect) << r.message;
    last_register_message_ = r.message;
    return link;
  }

  // A chunkserver connection, registered with port and 1 TiB free.
  std::shared_ptr<FakeLink> chunkserver(uint16_t port) {
    auto link = std::make_shared<FakeLink>();
    msg::Hello h;
    h.role = msg::kRoleChunkserver;
    EXPECT_TRUE(cs_to_master(link, h));
    EXPECT_EQ(link->take<msg::HelloReply>().status, St::kOk);
    msg::CsRegister reg;
    reg.ip = 0x7f000001;
    reg.port = port;
    reg.total_bytes = 1ull << 40;
    reg.version = "test";
    EXPECT_TRUE(cs_to_master(link, reg));
    cs_registered_ = link->take<msg::CsRegisterReply>();
    EXPECT_EQ(cs_registered_.status, St::kOk);
    return link;
  }

  // The write lease of a new first chunk of ino (the client's, open), once
  // cs has created it.
  msg::ClChunkReply new_chunk(const std::shared_ptr<FakeLink>& cs, const std::shared_ptr<FakeLink>& client,
                              uint32_t ino) {
    EXPECT_TRUE(to_master(client, msg::ClWriteChunk{10, ino, 0, 4096}));
    auto create_cmd = cs->take<msg::CsCreate>();
    EXPECT_TRUE(cs_to_master(cs, msg::CsOpStatus{create_cmd.op_id, create_cmd.chunk_id, St::kOk, 1}));
    return client->take<msg::ClChunkReply>();
  }

  // A ClMknod of name under the session's root, as root.
  static msg::ClMknod mknod(const std::string& name, uint8_t type = msg::kFile, uint16_t mode = 0644) {
    msg::ClMknod m;
    m.req = 2;
    m.cred = kRootCred;
    m.parent = kRoot;
    m.name = name;
    m.type = type;
    m.mode = mode;
    return m;
  }

  // Creates a regular file under the session's root; returns its inode.
  uint32_t create(const std::shared_ptr<FakeLink>& link, const std::string& name, bool open = false) {
    msg::ClMknod m = mknod(name);
    m.open = open;
    m.open_mask = open ? 6 : 0;
    EXPECT_TRUE(to_master(link, m));
    auto r = link->take<msg::ClAttrReply>();
    EXPECT_EQ(r.status, St::kOk);
    return r.attr.inode;
  }

  std::string dir_;
  std::unique_ptr<Master> master_;
  std::string last_register_message_;
  msg::CsRegisterReply cs_registered_;  // of the last chunkserver()
  bool chunk_tokens_ = true;            // CHUNK_TOKENS for open_master()
  uint32_t sync_metaloggers_ = 0;       // SYNC_METALOGGERS for open_master()

  // A new metalogger (Hello of hello, accepted) that registered at version
  // 0, once the catch-up thread has posted what it is sent.
  std::shared_ptr<FakeLink> new_metalogger(const msg::Hello& hello = metalogger_hello()) {
    auto ml = std::make_shared<FakeLink>();
    EXPECT_TRUE(master_->on_ml_frame(ml, msg::Hello::kType, payload(hello)));
    EXPECT_EQ(ml->take<msg::HelloReply>().status, St::kOk);
    EXPECT_TRUE(master_->on_ml_frame(ml, msg::MlRegister::kType, payload(msg::MlRegister{0, "test"})));
    for (int i = 0; i < 500 && ml->out.empty(); i++) {  // the catch-up thread posts to the loop
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      master_->poll();
    }
    return ml;
  }
  static msg::Hello metalogger_hello() {
    msg::Hello h;
    h.role = msg::kRoleMetalogger;
    return h;
  }

  // A new metalogger, caught up (an image and lines: what it was sent is
  // dropped) and acknowledging the master's current version.
  std::shared_ptr<FakeLink> following_metalogger() {
    auto ml = new_metalogger();
    EXPECT_EQ(ml->take<msg::MlRegisterReply>().start, msg::kMlImage);
    ml->out.clear();
    EXPECT_TRUE(master_->on_ml_frame(ml, msg::MlAck::kType, payload(msg::MlAck{master_->fs().version(), 0, 0})));
    return ml;
  }
};

TEST_F(MasterService, AFirstFrameOtherThanHelloClosesTheConnection) {
  open_master();
  auto link = std::make_shared<FakeLink>();
  EXPECT_FALSE(to_master(link, msg::ClGetattr{1, kRoot}));
  EXPECT_TRUE(link->out.empty());
}

TEST_F(MasterService, ARequestBeforeRegistrationIsRefusedAsBadSession) {
  open_master();
  auto link = std::make_shared<FakeLink>();
  ASSERT_TRUE(to_master(link, msg::Hello{}));
  link->take<msg::HelloReply>();
  EXPECT_TRUE(to_master(link, msg::ClGetattr{7, kRoot}));
  auto r = link->take<msg::ClStatusReply>();
  EXPECT_EQ(r.req, 7u);
  EXPECT_EQ(r.status, St::kBadSession);
}

TEST_F(MasterService, AnUndecodableRequestClosesOnlyThatConnection) {
  open_master();
  auto bad = mount();
  auto good = mount();
  EXPECT_FALSE(master_->on_client_frame(bad, msg::ClMknod::kType, "\x01"));
  uint32_t ino = create(good, "still-served");
  EXPECT_NE(master_->fs().node(ino), nullptr);
}

TEST_F(MasterService, CreateThenLookupFindsTheSameInode) {
  open_master();
  auto link = mount();
  uint32_t ino = create(link, "a");
  ASSERT_TRUE(to_master(link, msg::ClLookup{3, kRootCred, kRoot, "a"}));
  auto r = link->take<msg::ClAttrReply>();
  EXPECT_EQ(r.status, St::kOk);
  EXPECT_EQ(r.attr.inode, ino);
  ASSERT_TRUE(to_master(link, msg::ClLookup{4, kRootCred, kRoot, "b"}));
  EXPECT_EQ(link->take<msg::ClAttrReply>().status, St::kNoEnt);
}

TEST_F(MasterService, NamespaceChangesReturnTheDirectoriesTheyChanged) {
  open_master("*  /  rw,alldirs,admin,maproot=0\n");
  auto admin = mount();
  ASSERT_TRUE(to_master(admin, mknod("sub", msg::kDir, 0755)));
  ASSERT_EQ(admin->take<msg::ClAttrReply>().status, St::kOk);
  auto link = mount("/sub");  // its root is inode 1 in what it is told
  ASSERT_TRUE(to_master(link, mknod("d", msg::kDir, 0755)));
  auto made = link->take<msg::ClAttrReply>();
  ASSERT_EQ(made.status, St::kOk);
  uint32_t d = made.attr.inode;
  ASSERT_EQ(made.dirs.size(), 1u);
  EXPECT_EQ(made.dirs[0].inode, kRoot);
  EXPECT_EQ(made.dirs[0].nlink, 3u);  // the new subdirectory's ".." counts
  ASSERT_TRUE(to_master(link, msg::ClGetattr{3, kRoot}));
  msg::Attr root_now = link->take<msg::ClAttrReply>().attr;
  EXPECT_EQ(root_now.mtime_ns, made.dirs[0].mtime_ns);
  EXPECT_EQ(root_now.ctime_ns, made.dirs[0].ctime_ns);

  msg::ClMknod f = mknod("f");
  f.parent = d;
  ASSERT_TRUE(to_master(link, f));
  auto created = link->take<msg::ClAttrReply>();
  ASSERT_EQ(created.dirs.size(), 1u);
  EXPECT_EQ(created.dirs[0].inode, d);
  EXPECT_EQ(created.dirs[0].nlink, 2u);

  ASSERT_TRUE(to_master(link, msg::ClRename{5, kRootCred, d, "f", kRoot, "g", 0}));
  auto moved = link->take<msg::ClStatusReply>();
  ASSERT_EQ(moved.status, St::kOk);
  ASSERT_EQ(moved.dirs.size(), 2u);
  EXPECT_EQ(moved.dirs[0].inode, d);
  EXPECT_EQ(moved.dirs[1].inode, kRoot);
  EXPECT_GE(moved.dirs[1].mtime_ns, made.dirs[0].mtime_ns);

  ASSERT_TRUE(to_master(link, msg::ClRename{6, kRootCred, kRoot, "g", kRoot, "h", 0}));
  EXPECT_EQ(link->take<msg::ClStatusReply>().dirs.size(), 1u);  // one directory, once

  ASSERT_TRUE(to_master(link, msg::ClUnlink{7, kRootCred, kRoot, "h", false}));
  auto gone = link->take<msg::ClStatusReply>();
  ASSERT_EQ(gone.dirs.size(), 1u);
  EXPECT_EQ(gone.dirs[0].inode, kRoot);

  ASSERT_TRUE(to_master(link, msg::ClUnlink{8, kRootCred, kRoot, "h", false}));
  auto refused = link->take<msg::ClStatusReply>();
  EXPECT_EQ(refused.status, St::kNoEnt);
  EXPECT_TRUE(refused.dirs.empty());
  ASSERT_TRUE(to_master(link, msg::ClLookup{9, kRootCred, kRoot, "d"}));
  EXPECT_TRUE(link->take<msg::ClAttrReply>().dirs.empty());
}

TEST_F(MasterService, AFolderThatNoExportAllowsIsRefusedWithTheReason) {
  open_master("*  /a  rw\n");
  mount("/b", St::kPerm);
  EXPECT_NE(last_register_message_.find("do not allow 127.0.0.1 to mount '/b'"), std::string::npos)
      << last_register_message_;
  EXPECT_EQ(master_->sessions().size(), 0u);
}

TEST_F(MasterService, AReadOnlyExportRefusesChanges) {
  open_master("*  /  ro\n");
  auto link = mount();
  ASSERT_TRUE(to_master(link, mknod("x")));
  EXPECT_EQ(link->take<msg::ClAttrReply>().status, St::kRoFs);
  ASSERT_TRUE(to_master(link, msg::ClWriteChunk{5, kRoot, 0, 1}));
  EXPECT_EQ(link->take<msg::ClChunkReply>().status, St::kRoFs);
}

TEST_F(MasterService, AnUnlinkedOpenFileStaysUntilItsLastRelease) {
  open_master();
  auto a = mount();
  auto b = mount();
  uint32_t ino = create(a, "f", /*open=*/true);
  ASSERT_TRUE(to_master(b, msg::ClOpen{3, kRootCred, ino, 4, false}));
  EXPECT_EQ(b->take<msg::ClOpenReply>().status, St::kOk);
  ASSERT_TRUE(to_master(a, msg::ClUnlink{4, kRootCred, kRoot, "f", false}));
  EXPECT_EQ(a->take<msg::ClStatusReply>().status, St::kOk);
  EXPECT_TRUE(master_->sessions().is_open(ino));
  ASSERT_TRUE(to_master(a, msg::ClRelease{5, ino}));
  a->take<msg::ClStatusReply>();
  ASSERT_NE(master_->fs().node(ino), nullptr) << "still open by the other session";
  ASSERT_TRUE(to_master(b, msg::ClRelease{6, ino}));
  b->take<msg::ClStatusReply>();
  EXPECT_FALSE(master_->sessions().is_open(ino));
  EXPECT_EQ(master_->fs().node(ino), nullptr);
}

TEST_F(MasterService, AReleaseOfAFileNeverOpenedChangesNothing) {
  open_master();
  auto link = mount();
  uint32_t ino = create(link, "f");
  ASSERT_TRUE(to_master(link, msg::ClRelease{3, ino}));
  EXPECT_EQ(link->take<msg::ClStatusReply>().status, St::kOk);
  EXPECT_FALSE(master_->sessions().is_open(ino));
  EXPECT_NE(master_->fs().node(ino), nullptr);
}

TEST_F(MasterService, ASecondChunkserverWithTheSameAddressIsRefused) {
  open_master();
  auto first = chunkserver(9422);
  auto second = std::make_shared<FakeLink>();
  msg::Hello h;
  h.role = msg::kRoleChunkserver;
  ASSERT_TRUE(cs_to_master(second, h));
  second->take<msg::HelloReply>();
  msg::CsRegister reg;
  reg.ip = 0x7f000001;
  reg.port = 9422;
  EXPECT_FALSE(cs_to_master(second, reg));
  EXPECT_EQ(second->take<msg::CsRegisterReply>().status, St::kExist);
  EXPECT_EQ(master_->chunks().servers().size(), 1u);
}

TEST_F(MasterService, AClientOnTheChunkserverPortIsTurnedAway) {
  open_master();
  auto link = std::make_shared<FakeLink>();
  EXPECT_FALSE(cs_to_master(link, msg::Hello{}));  // role client
  EXPECT_EQ(link->take<msg::HelloReply>().status, St::kProtocol);
}

// The write path: a write lease on a new chunk sends CsCreate to a chunkserver
// and answers the client with that server once it confirms.
TEST_F(MasterService, AWriteToANewChunkCreatesItOnAChunkserver) {
  open_master();
  auto cs = chunkserver(9422);
  auto client = mount();
  uint32_t ino = create(client, "data", /*open=*/true);
  ASSERT_TRUE(to_master(client, msg::ClWriteChunk{10, ino, 0, 4096}));
  EXPECT_TRUE(client->out.empty()) << "answered before the chunkserver confirmed";
  auto create_cmd = cs->take<msg::CsCreate>();
  EXPECT_EQ(master_->commander().pending(), 1u);
  ASSERT_TRUE(cs_to_master(cs, msg::CsOpStatus{create_cmd.op_id, create_cmd.chunk_id, St::kOk, 1}));
  auto r = client->take<msg::ClChunkReply>();
  ASSERT_EQ(r.status, St::kOk);
  EXPECT_EQ(r.chunk_id, create_cmd.chunk_id);
  ASSERT_EQ(r.locations.size(), 1u);
  EXPECT_EQ(r.locations[0].port, 9422);
  EXPECT_EQ(master_->commander().pending(), 0u);
  ASSERT_NE(master_->fs().node(ino), nullptr);
  ASSERT_EQ(master_->fs().node(ino)->chunks.slots(), 1u);
  EXPECT_EQ(master_->fs().node(ino)->chunks.at(0), create_cmd.chunk_id);
}

// A write lease and a read location carry tokens that the keys given to the
// chunkserver at registration verify, for that chunk, version and mode.
TEST_F(MasterService, ChunkLocationsCarryTokensTheChunkserversKeysVerify) {
  open_master();
  auto cs = chunkserver(9422);
  ASSERT_TRUE(cs_registered_.tokens);
  token::Verifier keys;
  for (const auto& k : cs_registered_.keys) keys.add({k.id, k.secret});
  auto client = mount();
  uint32_t ino = create(client, "data", /*open=*/true);
  msg::ClChunkReply w = new_chunk(cs, client, ino);
  ASSERT_EQ(w.status, St::kOk);
  EXPECT_TRUE(keys.check(w.token, w.chunk_id, w.version, token::kWrite));
  EXPECT_FALSE(keys.check(w.token, w.chunk_id, w.version, token::kRead));
  ASSERT_TRUE(to_master(client, msg::ClWriteChunkEnd{11, ino, w.chunk_id, 4096, St::kOk}));
  EXPECT_EQ(client->take<msg::ClStatusReply>().status, St::kOk);
  ASSERT_TRUE(to_master(client, msg::ClReadChunk{12, ino, 0}));
  auto r = client->take<msg::ClChunkReply>();
  ASSERT_EQ(r.status, St::kOk);
  EXPECT_TRUE(keys.check(r.token, r.chunk_id, r.version, token::kRead));
  EXPECT_FALSE(keys.check(r.token, r.chunk_id + 1, r.version, token::kRead));
}

// CHUNK_TOKENS = 0: chunkservers are told not to ask, and no token is made.
TEST_F(MasterService, WithTokensOffChunkserversAreToldNotToAsk) {
  chunk_tokens_ = false;
  open_master();
  auto cs = chunkserver(9422);
  EXPECT_FALSE(cs_registered_.tokens);
  auto client = mount();
  uint32_t ino = create(client, "data", /*open=*/true);
  msg::ClChunkReply w = new_chunk(cs, client, ino);
  ASSERT_EQ(w.status, St::kOk);
  EXPECT_TRUE(w.token.empty());
}

TEST_F(MasterService, AChunkserverLostMidCommandFailsTheWrite) {
  open_master();
  auto cs = chunkserver(9422);
  auto client = mount();
  uint32_t ino = create(client, "data", /*open=*/true);
  ASSERT_TRUE(to_master(client, msg::ClWriteChunk{10, ino, 0, 4096}));
  auto create_cmd = cs->take<msg::CsCreate>();
  master_->on_cs_close(cs);
  auto r = client->take<msg::ClChunkReply>();
  EXPECT_NE(r.status, St::kOk);
  EXPECT_EQ(master_->commander().pending(), 0u);
  // A late answer on the dead link changes nothing.
  EXPECT_TRUE(cs_to_master(cs, msg::CsOpStatus{create_cmd.op_id, create_cmd.chunk_id, St::kOk, 1}));
  EXPECT_TRUE(client->out.empty());
  EXPECT_TRUE(master_->fs().node(ino)->chunks.count() == 0);
}

TEST_F(MasterService, AnAnswerFromAnotherChunkserverDoesNotCompleteTheCommand) {
  open_master();
  auto cs1 = chunkserver(9422);
  auto cs2 = chunkserver(9423);
  auto client = mount();
  uint32_t ino = create(client, "data", /*open=*/true);
  ASSERT_TRUE(to_master(client, msg::ClWriteChunk{10, ino, 0, 4096}));
  std::shared_ptr<FakeLink> target = cs1->out.empty() ? cs2 : cs1;
  std::shared_ptr<FakeLink> other = target == cs1 ? cs2 : cs1;
  auto create_cmd = target->take<msg::CsCreate>();
  ASSERT_TRUE(cs_to_master(other, msg::CsOpStatus{create_cmd.op_id, create_cmd.chunk_id, St::kOk, 1}));
  EXPECT_TRUE(client->out.empty());
  EXPECT_EQ(master_->commander().pending(), 1u);
  ASSERT_TRUE(cs_to_master(target, msg::CsOpStatus{create_cmd.op_id, create_cmd.chunk_id, St::kOk, 1}));
  EXPECT_EQ(client->take<msg::ClChunkReply>().status, St::kOk);
}

TEST_F(MasterService, WithNoChunkserverAWriteIsAnsweredAtOnce) {
  open_master();
  auto client = mount();
  uint32_t ino = create(client, "data", /*open=*/true);
  ASSERT_TRUE(to_master(client, msg::ClWriteChunk{10, ino, 0, 4096}));
  EXPECT_EQ(client->take<msg::ClChunkReply>().status, St::kNoChunkServers);
}

TEST_F(MasterService, ChunkRequestsNeedTheFileOpenForThatMode) {
  open_master();
  auto cs = chunkserver(9422);
  auto client = mount();
  uint32_t ino = create(client, "data");
  ASSERT_TRUE(to_master(client, msg::ClWriteChunk{10, ino, 0, 4096}));
  EXPECT_EQ(client->take<msg::ClChunkReply>().status, St::kAccess) << "not open";
  ASSERT_TRUE(to_master(client, msg::ClOpen{11, kRootCred, ino, 4, false, false}));
  EXPECT_EQ(client->take<msg::ClOpenReply>().status, St::kOk);
  ASSERT_TRUE(to_master(client, msg::ClReadChunk{12, ino, 0}));
  EXPECT_EQ(client->take<msg::ClChunkReply>().status, St::kOk) << "open for reading";
  ASSERT_TRUE(to_master(client, msg::ClWriteChunk{13, ino, 0, 4096}));
  EXPECT_EQ(client->take<msg::ClChunkReply>().status, St::kAccess) << "open for reading only";
  EXPECT_TRUE(cs->out.empty()) << "no chunkserver was asked for anything";
  ASSERT_TRUE(to_master(client, msg::ClRelease{14, ino}));
  EXPECT_EQ(client->take<msg::ClStatusReply>().status, St::kOk);
  ASSERT_TRUE(to_master(client, msg::ClReadChunk{15, ino, 0}));
  EXPECT_EQ(client->take<msg::ClChunkReply>().status, St::kAccess) << "released";
}

// Decoded-but-hostile requests, in process: valid requests with their
// fields overwritten by small numbers (inode numbers, indexes, lengths,
// masks) and random bytes, on a subfolder session. The master must answer
// or close the connection, never crash, and keep serving.
TEST_F(MasterService, MutatedRequestsNeverBreakTheMaster) {
  open_master("*  /  rw,alldirs,admin,maproot=0\n*  /sub  rw\n*  .  rw\n");
  auto cs = chunkserver(9422);
  auto admin = mount();
  ASSERT_TRUE(to_master(admin, mknod("sub", msg::kDir, 0777)));
  ASSERT_EQ(admin->take<msg::ClAttrReply>().status, St::kOk);
  for (const char* name : {"x", "y", "z"}) create(admin, name, true);
  auto client = mount("/sub");
  std::vector<std::pair<uint32_t, std::string>> seeds = {
      {msg::ClLookup::kType, payload(msg::ClLookup{1, kRootCred, 1, "x"})},
      {msg::ClGetattr::kType, payload(msg::ClGetattr{1, 2})},
      {msg::ClSetattr::kType, payload(msg::ClSetattr{1, kRootCred, 2, msg::kSetSize | msg::kSetMode, 0644, 0, 0, 5})},
      {msg::ClMknod::kType, payload(msg::ClMknod{1, kRootCred, 1, "n", msg::kFile, 0644, 0, false, true, 6, 0})},
      {msg::ClUnlink::kType, payload(msg::ClUnlink{1, kRootCred, 1, "n", false})},
      {msg::ClSymlink::kType, payload(msg::ClSymlink{1, kRootCred, 1, "s", "t"})},
      {msg::ClRename::kType, payload(msg::ClRename{1, kRootCred, 1, "n", 1, "m", 0})},
      {msg::ClLink::kType, payload(msg::ClLink{1, kRootCred, 2, 1, "l"})},
      {msg::ClReaddir::kType, payload(msg::ClReaddir{1, kRootCred, 1, 0, 10})},
      {msg::ClOpen::kType, payload(msg::ClOpen{1, kRootCred, 2, 6, false, false})},
      {msg::ClRelease::kType, payload(msg::ClRelease{1, 2})},
      {msg::ClReadChunk::kType, payload(msg::ClReadChunk{1, 2, 0})},
      {msg::ClWriteChunk::kType, payload(msg::ClWriteChunk{1, 2, 0, 4096})},
      {msg::ClWriteChunkEnd::kType, payload(msg::ClWriteChunkEnd{1, 2, 1, 4096, St::kOk})},
      {msg::ClAppend::kType, payload(msg::ClAppend{1, 2, 100})},
      {msg::ClSetXattr::kType, payload(msg::ClSetXattr{1, kRootCred, 2, "user.a", "v", 0})},
      {msg::ClTrashList::kType, payload(msg::ClTrashList{1, kRootCred, msg::kListSustained, 0, 10})},
      {msg::ClUndel::kType, payload(msg::ClUndel{1, kRootCred, 3})},
  };
  std::mt19937 rng(12345);
  int closed = 0;
  for (int i = 0; i < 30000; i++) {
    auto [type, p] = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && p.size() > 4; e++) {
      size_t at = 4 + rng() % (p.size() - 4);
      p[at] = static_cast<char>(rng() % 3 == 0 ? rng() : rng() % 8);
    }
    if (rng() % 10 == 0) p.resize(rng() % (p.size() + 1));
    bool sub = rng() % 2;
    auto& link = sub ? client : admin;
    if (!master_->on_client_frame(link, type, p)) {
      master_->on_client_close(link);
      link = mount(sub ? "/sub" : "/");
      closed++;
    }
    link->out.clear();
    // The chunkserver answers every command, as well as it can.
    while (!cs->out.empty()) {
      std::string f = std::move(cs->out.front());
      cs->out.pop_front();
      uint32_t hdr[2];
      std::memcpy(hdr, f.data(), 8);
      serde::Reader r(f.data() + 8, f.size() - 8);
      uint32_t op = 0;
      uint64_t chunk = 0;
      if (r.get(op) && r.get(chunk)) cs_to_master(cs, msg::CsOpStatus{op, chunk, rng() % 4 ? St::kOk : St::kIO, 1});
    }
  }
  // Still serving: the tree as the admin sees it.
  ASSERT_TRUE(to_master(admin, msg::ClGetattr{7, kRoot}));
  EXPECT_EQ(admin->take<msg::ClAttrReply>().status, St::kOk);
  ASSERT_TRUE(to_master(admin, msg::ClLookup{8, kRootCred, kRoot, "sub"}));
  EXPECT_EQ(admin->take<msg::ClAttrReply>().status, St::kOk);
  EXPECT_GT(closed, 0) << "some mutations do not decode";
}

TEST_F(MasterService, MetaloggersGetAnImageThenEveryLineAndBadOnesAreClosed) {
  open_master();
  auto client = mount();
  create(client, "a");
  uint64_t v = master_->fs().version();
  ASSERT_GT(v, 0u);
  auto hello = [](uint64_t cluster, uint64_t version) {
    msg::Hello h;
    h.role = msg::kRoleMetalogger;
    h.cluster_id = cluster;
    h.meta_version = version;
    return h;
  };
  // Garbage before the handshake, another cluster, a metalogger ahead of the master.
  auto junk = std::make_shared<FakeLink>();
  EXPECT_FALSE(master_->on_ml_frame(junk, 9999, "xyz"));
  auto other = std::make_shared<FakeLink>();
  EXPECT_FALSE(master_->on_ml_frame(other, msg::Hello::kType, payload(hello(master_->fs().cluster_id() ^ 1, 0))));
  auto refused = other->take<msg::HelloReply>();
  EXPECT_EQ(refused.status, St::kPerm);
  EXPECT_NE(refused.message.find("follows cluster"), std::string::npos) << refused.message;
  auto ahead = std::make_shared<FakeLink>();
  EXPECT_FALSE(master_->on_ml_frame(ahead, msg::Hello::kType, payload(hello(0, v + 5))));
  EXPECT_EQ(ahead->take<msg::HelloReply>().status, St::kPerm);

  // A new metalogger: an image (the one saved at creation, version 0), then the lines after it.
  auto ml = new_metalogger(hello(0, 0));
  auto rr = ml->take<msg::MlRegisterReply>();
  EXPECT_EQ(rr.status, St::kOk);
  EXPECT_EQ(rr.start, msg::kMlImage);
  EXPECT_EQ(rr.cluster_id, master_->fs().cluster_id());
  auto img = ml->take<msg::MlImage>();
  EXPECT_EQ(img.offset, 0u);
  EXPECT_EQ(img.data.size(), img.size);
  auto lines = ml->take<msg::MlLines>();
  EXPECT_EQ(lines.first, img.version + 1);
  EXPECT_EQ(std::count(lines.text.begin(), lines.text.end(), '\n'), static_cast<long>(v - img.version));
  EXPECT_TRUE(ml->out.empty());

  // Live: the next change is pushed at the end of the loop's turn.
  create(client, "b");
  master_->poll();
  auto live = ml->take<msg::MlLines>();
  EXPECT_EQ(live.first, v + 1);
  EXPECT_EQ(live.text.rfind(std::to_string(v + 1) + ": ", 0), 0u) << live.text;
  EXPECT_TRUE(master_->on_ml_frame(ml, msg::MlAck::kType, payload(msg::MlAck{v + 1, 0, 0})));
  // An acknowledgement of what was never sent closes it.
  EXPECT_FALSE(master_->on_ml_frame(ml, msg::MlAck::kType, payload(msg::MlAck{v + 100, 0, 0})));
  master_->on_ml_close(ml);
}

// SYNC_METALOGGERS = 1: a change is answered, and chunkservers are told of
// it, only once a metalogger has it on disk; so is everything after it.
TEST_F(MasterService, WithSyncMetaloggersAnswersWaitForAMetaloggersAcknowledgement) {
  sync_metaloggers_ = 1;
  open_master();
  auto cs = chunkserver(9422);
  auto client = mount();
  auto ml = following_metalogger();
  uint64_t v0 = master_->fs().version();
  ASSERT_TRUE(to_master(client, [] {
    msg::ClMknod m = mknod("f");
    m.open = true;
    m.open_mask = 6;
    return m;
  }()));
  EXPECT_TRUE(client->out.empty()) << "a create was answered before any metalogger had it";
  ASSERT_TRUE(to_master(client, msg::ClGetattr{3, kRoot}));
  EXPECT_TRUE(client->out.empty()) << "a later answer overtook the held one";
  master_->poll();
  auto lines = ml->take<msg::MlLines>();
  EXPECT_EQ(lines.first, v0 + 1);
  uint64_t v1 = master_->fs().version();
  ASSERT_TRUE(master_->on_ml_frame(ml, msg::MlAck::kType, payload(msg::MlAck{v1, 0, 0})));
  auto created = client->take<msg::ClAttrReply>();
  ASSERT_EQ(created.status, St::kOk);
  EXPECT_EQ(client->take<msg::ClAttrReply>().attr.inode, kRoot);
  uint32_t ino = created.attr.inode;

  // A write lease makes a chunk: the chunkserver hears of it only once the
  // metalogger has the change that names it.
  ASSERT_TRUE(to_master(client, msg::ClWriteChunk{10, ino, 0, 4096}));
  EXPECT_TRUE(cs->out.empty()) << "a chunkserver was told of a change no metalogger has";
  master_->poll();
  ml->take<msg::MlLines>();
  ASSERT_TRUE(master_->on_ml_frame(ml, msg::MlAck::kType, payload(msg::MlAck{master_->fs().version(), 0, 0})));
  auto create_cmd = cs->take<msg::CsCreate>();
  ASSERT_TRUE(cs_to_master(cs, msg::CsOpStatus{create_cmd.op_id, create_cmd.chunk_id, St::kOk, 1}));
  // The file now names the chunk: that change too before the lease goes out.
  uint64_t named = master_->fs().version();
  EXPECT_TRUE(client->out.empty());
  master_->poll();
  EXPECT_EQ(ml->take<msg::MlLines>().first, named);
  ASSERT_TRUE(master_->on_ml_frame(ml, msg::MlAck::kType, payload(msg::MlAck{named, 0, 0})));
  EXPECT_EQ(client->take<msg::ClChunkReply>().status, St::kOk);

  // mfscli -SMB shows it.
  auto cli = std::make_shared<FakeLink>();
  msg::Hello tool;
  tool.role = msg::kRoleTool;
  ASSERT_TRUE(to_master(cli, tool));
  cli->take<msg::HelloReply>();
  ASSERT_TRUE(to_master(cli, msg::CliMetaloggers{5}));
  auto smb = cli->take<msg::CliMetaloggersReply>();
  ASSERT_EQ(smb.metaloggers.size(), 1u);
  EXPECT_TRUE(smb.metaloggers[0].sync);
  EXPECT_EQ(smb.sync.n, 1u);
  EXPECT_EQ(smb.sync.mode, 1);  // waiting for metaloggers, as configured
  EXPECT_EQ(smb.sync.synced, master_->fs().version());
  EXPECT_EQ(smb.sync.held, 0u);
  EXPECT_GE(smb.sync.released, 3u);

  // The metalogger goes: the next change waits (refuse fallback only after
  // SYNC_METALOGGERS_TIMEOUT, on the loop's ticks).
  master_->on_ml_close(ml);
  ASSERT_TRUE(to_master(client, [] {
    msg::ClMknod m = mknod("g");
    return m;
  }()));
  EXPECT_TRUE(client->out.empty());
}

// Fencing: a peer that has seen a newer cluster epoch makes this master step
// down (it refuses every change from then on); one that follows another
// master of the same epoch is refused, and this master stays.
TEST_F(MasterService, APeerFromANewerEpochMakesTheMasterStepDown) {
  open_master();
  ASSERT_EQ(master_->fs().epoch(), 0u);
  bool hook = false;
  master_->set_step_down_hook([&] { hook = true; });
  auto client = mount();
  auto cs_hello = [&](uint64_t epoch, uint64_t id) {
    auto link = std::make_shared<FakeLink>();
    msg::Hello h;
    h.role = msg::kRoleChunkserver;
    h.epoch = epoch;
    h.epoch_id = id;
    bool ok = cs_to_master(link, h);
    return std::make_pair(ok, link->take<msg::HelloReply>());
  };
  // The same epoch (none yet): welcome.
  auto [same_ok, same] = cs_hello(0, 0);
  EXPECT_TRUE(same_ok);
  EXPECT_EQ(same.status, St::kOk);
  EXPECT_FALSE(master_->stepped_down());
  // Epoch 1: another master was promoted after this one.
  auto [newer_ok, newer] = cs_hello(1, 0xabc);
  EXPECT_FALSE(newer_ok);
  EXPECT_EQ(newer.status, St::kPerm);
  EXPECT_NE(newer.message.find("stale"), std::string::npos) << newer.message;
  EXPECT_TRUE(master_->stepped_down());
  EXPECT_TRUE(hook);
  // Its changes are refused from now on; reads go on.
  ASSERT_TRUE(to_master(client, mknod("late")));
  EXPECT_EQ(client->take<msg::ClAttrReply>().status, St::kRoFs);
  ASSERT_TRUE(to_master(client, msg::ClGetattr{3, kRoot}));
  EXPECT_EQ(client->take<msg::ClAttrReply>().status, St::kOk);
}

// Port 9421 is open to anyone the network lets through, before any export
// check: a Hello that claims a huge epoch gets that connection refused, and
// the master serves on.
TEST_F(MasterService, AForgedEpochOnTheClientPortDoesNotStopTheMaster) {
  open_master();
  bool hook = false;
  master_->set_step_down_hook([&] { hook = true; });
  for (uint8_t role : {msg::kRoleClient, msg::kRoleTool}) {
    auto liar = std::make_shared<FakeLink>();
    msg::Hello h;
    h.role = role;
    h.epoch = ~uint64_t{0};
    h.epoch_id = 1;
    EXPECT_FALSE(to_master(liar, h));
    EXPECT_EQ(liar->take<msg::HelloReply>().status, St::kPerm);
  }
  EXPECT_FALSE(master_->stepped_down());
  EXPECT_FALSE(hook);
  auto client = mount();
  create(client, "still-served");
}

TEST_F(MasterService, AMountOfAnotherMasterOfTheSameEpochIsRefused) {
  // A master at epoch 1 (promoted): written as a changelog line of a
  // recovered folder is how it gets there; here the image is made directly.
  open_master();
  master_.reset();
  {
    Fs fs;
    ASSERT_TRUE(fs.load_image(dir_ + "/metadata.mfs").ok());
    ASSERT_EQ(fs.apply(OpEpoch{1, 0x1111}, 0), St::kOk);
    ASSERT_TRUE(fs.save_image(dir_ + "/metadata.mfs").ok());
  }
  auto settings = load_master_settings(Config::defaults(with_daemon_keys(master_keys(), "mfsmaster")));
  ASSERT_TRUE(settings.ok());
  settings->data_path = dir_;
  settings->exports_filename = dir_ + "/mfsexports.cfg";
  settings->topology_filename = dir_ + "/mfstopology.cfg";
  master_ = std::make_unique<Master>(*settings);
  ASSERT_EQ(master_->open(false), 0);
  EXPECT_EQ(master_->fs().epoch(), 1u);
  auto link = std::make_shared<FakeLink>();
  msg::Hello h;
  h.epoch = 1;
  h.epoch_id = 0x2222;
  EXPECT_FALSE(to_master(link, h));
  auto r = link->take<msg::HelloReply>();
  EXPECT_EQ(r.status, St::kPerm);
  EXPECT_EQ(r.epoch, 1u);
  EXPECT_EQ(r.epoch_id, 0x1111u);
  EXPECT_FALSE(master_->stepped_down());
  // An older epoch is no reason to refuse: the peer learns the new one.
  auto old = std::make_shared<FakeLink>();
  EXPECT_TRUE(to_master(old, msg::Hello{}));
  EXPECT_EQ(old->take<msg::HelloReply>().epoch, 1u);
}

TEST_F(MasterService, AMetaloggerOfANewFileSystemStillGetsAnImage) {
  open_master();
  ASSERT_EQ(master_->fs().version(), 0u);
  auto ml = new_metalogger();
  EXPECT_EQ(ml->take<msg::MlRegisterReply>().start, msg::kMlImage);
  auto img = ml->take<msg::MlImage>();
  EXPECT_EQ(img.version, 0u);
  EXPECT_EQ(img.data.size(), img.size);
  master_->on_ml_close(ml);
}

TEST_F(MasterService, AClosedConnectionKeepsItsSessionForResume) {
  open_master();
  auto link = mount();
  ASSERT_EQ(master_->sessions().size(), 1u);
  master_->on_client_close(link);
  EXPECT_EQ(master_->sessions().size(), 1u);
}

}  // namespace
}  // namespace antler::master
