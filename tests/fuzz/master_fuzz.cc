// libFuzzer target: the master's request handlers in process, fed
// decoded-but-hostile requests on port 9421 (mounts, the mfs* tools through
// a mount, mfscli) with fake chunkservers that answer its commands as the
// input says. The coverage-guided version of MasterService.
// MutatedRequestsNeverBreakTheMaster (tests/unit/master/service).
//
// Each input gets a fresh master (DATA_PATH on tmpfs) with the exports of
// kExports, a small tree, sessions of every kind (Slot) and two
// chunkservers. The input is read front to back as records; every field of
// a request comes from the input through a small grammar (gen() below), so
// most requests decode and reach their handler, and a record may still
// corrupt the encoding or send raw bytes. After each request: a session
// confined to a subfolder got no reply naming an inode outside it. After the
// input: the metadata image plus the changelog replays to exactly the live
// namespace, and the live namespace survives an image save and load (every
// derived count, index and link is rebuilt on load and compared). A broken
// invariant prints why and aborts: libFuzzer keeps the input.
//
// Build and run: tests/fuzz/run_master_fuzz.sh (see tests/fuzz/README.md).
// Environment: ANTLER_MASTER_FUZZ_SEEDS=DIR writes the seed inputs there at
// start, ANTLER_MASTER_FUZZ_FINDINGS=DIR the inputs of the known findings;
// ANTLER_MASTER_FUZZ_STRICT=1 drops the budget (see README.md);
// ANTLER_MASTER_FUZZ_TRACE=1 prints every request and reply;
// ANTLER_MASTER_FUZZ_LOG=1 shows the master's log (warnings and up).
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/auth.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/messages.h"
#include "common/net.h"
#include "daemons/master/master.h"
#include "daemons/master/master_settings.h"
#include "daemons/master/service/client_ops.h"
#include "tests/fuzz/master_fuzz.h"

namespace antler::master::fuzz {
namespace {

// ------------------------------------------------------------- the cluster

// ANTLER_MASTER_FUZZ_TRACE: every request and reply on stderr (to read a
// crash input).
bool tracing() {
  static const bool on = std::getenv("ANTLER_MASTER_FUZZ_TRACE") != nullptr;
  return on;
}

// ANTLER_MASTER_FUZZ_STRICT: no budget (over_budget(), tests/fuzz/README.md).
bool strict() {
  static const bool on = std::getenv("ANTLER_MASTER_FUZZ_STRICT") != nullptr;
  return on;
}

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "master_fuzz: %s\n", why.c_str());
  std::fflush(stderr);
  std::abort();
}

void expect(bool ok, const std::string& what) {
  if (!ok) fail("harness setup: " + what);
}

// A connection as the master's loop would hold it, recording what the
// master sends.
class FakeLink : public Link {
 public:
  FakeLink(uint32_t ip, uint16_t port) {
    peer_ip = ip;
    peer = net::ip_to_string(ip) + ":" + std::to_string(port);
  }
  void send(std::string frame) override { out.push_back(std::move(frame)); }
  void close(const std::string&) override { open_ = false; }
  bool open() const override { return open_; }

  // The oldest frame sent, decoded as M (false if none or another type).
  template <class M>
  bool take(M* m) {
    if (out.empty()) return false;
    std::string f = std::move(out.front());
    out.pop_front();
    uint32_t type;
    std::memcpy(&type, f.data(), 4);
    return type == M::kType && net::decode(std::string_view(f).substr(8), *m);
  }

  std::deque<std::string> out;

 private:
  bool open_ = true;
};

template <class M>
std::string body(const M& m) {
  std::string out;
  serde::encode_body(m, out);
  return out;
}

// One rule per kind of session: the whole tree read-write with admin (and
// root not squashed), a subfolder, the whole tree read-only (root squashed
// to 999), the meta file system, a subfolder with mapall and goal and trash
// time ranges, a subfolder behind a password, with operations disabled and
// a minimum client version.
constexpr const char* kExports =
    "10.0.0.1      /      rw,alldirs,admin,maproot=0\n"
    "10.0.0.2      /sub   rw\n"
    "10.0.0.3      /      ro\n"
    "*             .      rw\n"
    "10.0.0.4      /pub   rw,mapall=1000:1000,mingoal=1,maxgoal=3,mintrashtime=0,maxtrashtime=7200\n"
    "10.0.0.5      /priv  rw,password=secret,disable=rename:link:snapshot,minversion=0.1.0\n";
constexpr const char* kPassword = "secret";

// The connections the input speaks on (Slot::k*).
struct Slot {
  enum Kind : uint8_t { kMount, kMetaMount, kPasswordMount, kTool, kBare };
  uint32_t ip = 0;
  std::string subdir = "/";
  bool meta = false;
  bool password = false;
  bool tool = false;  // mfscli: Hello role tool, no session
  bool bare = false;  // Hello only, never registered
  std::shared_ptr<FakeLink> link;
  uint64_t session = 0;  // to resume after a reconnect
  std::string secret;
};
Slot slot(uint32_t ip, const std::string& subdir, Slot::Kind kind) {
  Slot s;
  s.ip = ip;
  s.subdir = subdir;
  s.meta = kind == Slot::kMetaMount;
  s.password = kind == Slot::kPasswordMount;
  s.tool = kind == Slot::kTool;
  s.bare = kind == Slot::kBare;
  return s;
}
struct Settings {
  std::string dir;
  MasterSettings settings;
};

// Made once, never destroyed: the exit handler below still needs it.
const Settings& settings() {
  static const Settings& s = *[] {
    auto* sp = new Settings;
    Settings& s = *sp;
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    const std::string prefix = "antler-master-fuzz-";
    // Those of runs that crashed (no exit handler ran), whose process is gone.
    for (const auto& e : std::filesystem::directory_iterator(base)) {
      std::string name = e.path().filename();
      if (name.rfind(prefix, 0) != 0) continue;
      pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + prefix.size()));
      if (pid > 0 && ::kill(pid, 0) < 0 && errno == ESRCH) std::filesystem::remove_all(e.path());
    }
    s.dir = base + "/" + prefix + std::to_string(::getpid());
    std::filesystem::create_directories(s.dir);
    std::ofstream(s.dir + "/mfsexports.cfg") << kExports;
    auto loaded = load_master_settings(Config::defaults(with_daemon_keys(master_keys(), "mfsmaster")));
    expect(loaded.ok(), "default settings");
    s.settings = *loaded;
    s.settings.data_path = s.dir;
    s.settings.exports_filename = s.dir + "/mfsexports.cfg";
    s.settings.topology_filename = s.dir + "/mfstopology.cfg";  // missing: no topology
    s.settings.default_goal = 2;
    s.settings.default_trashtime = 0;  // /sub gets a trash time of its own
    std::atexit([] { std::filesystem::remove_all(settings().dir); });
    return sp;
  }();
  return s;
}

class Cluster {
 public:
  Cluster() {
    const Settings& s = settings();
    dir_ = s.dir;
    for (const auto& e : std::filesystem::directory_iterator(dir_))
      if (e.path().filename() != "mfsexports.cfg") std::filesystem::remove_all(e.path());
    master_ = std::make_unique<Master>(s.settings);
    expect(master_->open(false) == 0, "master open");
    slots_[kAdmin] = slot(ip4(10, 0, 0, 1), "/", Slot::kMount);
    slots_[kSub] = slot(ip4(10, 0, 0, 2), "/sub", Slot::kMount);
    slots_[kRo] = slot(ip4(10, 0, 0, 3), "/", Slot::kMount);
    slots_[kMeta] = slot(ip4(10, 0, 0, 1), "/", Slot::kMetaMount);
    slots_[kPub] = slot(ip4(10, 0, 0, 4), "/pub", Slot::kMount);
    slots_[kPriv] = slot(ip4(10, 0, 0, 5), "/priv", Slot::kPasswordMount);
    slots_[kCliAdmin] = slot(ip4(10, 0, 0, 1), "", Slot::kTool);
    slots_[kCliOther] = slot(ip4(10, 0, 0, 9), "", Slot::kTool);
    slots_[kBare] = slot(ip4(10, 0, 0, 6), "", Slot::kBare);
    for (int k = 0; k < 2; k++) expect(cs_connect(k, nullptr), "chunkserver registration");
    build_tree();
    for (uint8_t i = 0; i < kSlots; i++)
      if (!slots_[i].link) expect(connect(slots_[i], false), "connection of slot " + std::to_string(i));
    check_replies();
  }

  Master& master() { return *master_; }
  const Tree& tree() const { return tree_; }

  // ---- records of the input

  void run(In& in) {
    while (!in.empty()) {
      uint8_t action = in.byte();
      switch (action % 16) {
        default: request(in); break;
        case kCsAnswer: cs_answer(in.byte() % 2, in); break;
        case kCsMessage: cs_frame(in); break;
        case kClientClose: client_close(in.byte() % kSlots); break;
        case kCsClose: cs_close(in.byte() % 2); break;
        case kAnyFrame: any_frame(in); break;
      }
      check_replies();
    }
  }

  // The input's end: the chunkservers answer what is still pending.
  void drain() {
    for (int round = 0; round < 64 && answer_all(); round++) check_replies();
    check_replies();
  }

  // The invariants no input may break.
  void check_metadata() {
    const Fs& live = master_->fs();
    std::string now = live.dump();
    if (master_->metadata_failed()) fail("the metadata store failed");
    // Image plus changelog: what a restart (mfsmaster -a) recovers.
    Fs replay;
    if (Status st = replay.load_image(dir_ + "/metadata.mfs"); !st.ok()) fail("initial image: " + st.message());
    std::ifstream log(dir_ + "/changelog.0.mfs");
    std::string line;
    while (std::getline(log, line)) {
      auto l = parse_line(line);
      if (!l) fail("changelog line unreadable: " + l.status().message() + ": " + line);
      if (l->version != replay.version() + 1) fail("changelog version gap before: " + line);
      if (St st = replay.apply(l->op, l->time_ns); st != St::kOk)
        fail(std::string("changelog line does not apply (") + std::string(to_string(st)) + "): " + line);
      replay.set_version(l->version);
    }
    replay.released_chunks().clear();
    compare("live namespace vs image + changelog replay", now, replay.dump());
    // Save and load: every derived count and index is rebuilt on load.
    std::string img = dir_ + "/roundtrip.mfs";
    if (Status st = live.save_image(img); !st.ok()) fail("image save: " + st.message());
    Fs loaded;
    if (Status st = loaded.load_image(img); !st.ok())
      fail("image of the live namespace does not load: " + st.message());
    compare("live namespace vs its image saved and loaded", now, loaded.dump());
    // Still serving: a new mount of the whole tree reads its root.
    Slot fresh = slot(slots_[kAdmin].ip, "/", Slot::kMount);
    if (!connect(fresh, false)) fail("a new mount of / is refused");
    if (!master_->on_client_frame(fresh.link, msg::ClGetattr::kType, body(msg::ClGetattr{77, kRootInode})))
      fail("getattr of the root closes the connection");
    msg::ClAttrReply r;
    if (!fresh.link->take(&r) || r.req != 77 || r.status != St::kOk) fail("getattr of the root fails");
    master_->on_client_close(fresh.link);
  }

  // ---- connections

  // Hello, then (a mount) the registration, answering the password
  // challenge if there is one. False if the master refused.
  bool connect(Slot& s, bool resume) {
    uint16_t port = static_cast<uint16_t>(40000 + s.ip % 256);
    s.link = std::make_shared<FakeLink>(s.ip, port);
    msg::Hello h;
    h.role = s.tool ? msg::kRoleTool : msg::kRoleClient;
    msg::HelloReply hr;
    if (!master_->on_client_frame(s.link, msg::Hello::kType, body(h)) || !s.link->take(&hr) || hr.status != St::kOk)
      return false;
    if (s.tool || s.bare) return true;
    msg::ClRegister reg;
    reg.req = 1;
    reg.subdir = s.subdir;
    reg.meta = s.meta;
    reg.passcode = s.password;
    reg.info = "fuzz";
    reg.version = ANTLER_VERSION_NUM;
    if (resume) {
      reg.session_id = s.session;
      reg.secret = s.secret;
    }
    if (!master_->on_client_frame(s.link, msg::ClRegister::kType, body(reg))) return false;
    if (s.password) {
      msg::ClChallenge c;
      if (!s.link->take(&c)) return false;
      msg::ClChallengeReply a{reg.req, auth::response(auth::md5(kPassword), c.nonce)};
      if (!master_->on_client_frame(s.link, msg::ClChallengeReply::kType, body(a))) return false;
    }
    msg::ClRegisterReply r;
    if (!s.link->take(&r) || r.status != St::kOk) return false;
    s.session = r.session_id;
    s.secret = r.secret;
    return true;
  }

  // Sends one frame on slot s (connecting it first if it is closed); a
  // frame the master refuses closes the connection, as the loop does.
  void frame(Slot& s, uint32_t type, const std::string& payload, bool resume) {
    if (!s.link && !connect(s, resume)) {
      drop(s);
      return;
    }
    if (over_budget(s, type, payload)) return;
    if (tracing()) std::fprintf(stderr, "slot %d: type %u, %zu bytes\n", int(&s - slots_), type, payload.size());
    bool keep = master_->on_client_frame(s.link, type, payload);
    check_replies();
    if (!keep || !s.link->open()) drop(s);
  }
  void drop(Slot& s) {
    if (!s.link) return;
    master_->on_client_close(s.link);
    s.link.reset();
  }

  // The budget of an input: requests whose cost grows with a tree's size
  // or a file's chunks (a snapshot, an append of a file to itself again and
  // again) are not sent past kMaxWork inodes and chunks, so that an input
  // runs in milliseconds. No request's cost may grow with a file's length:
  // that is checked, not budgeted (the findings fileinfo-of-4pib-file and
  // chunk-at-last-slot).
  static constexpr uint64_t kMaxWork = 1 << 16;
  bool over_budget(const Slot& s, uint32_t type, std::string_view p) {
    if (strict()) return false;
    auto ctx = std::static_pointer_cast<ClientCtx>(s.link->ctx);
    const Session* sess = ctx ? master_->sessions().find(ctx->session) : nullptr;
    const Fs& fs = master_->fs();
    auto node = [&](uint32_t ino) { return fs.node(ino == kRootInode && sess ? sess->root : ino); };
    switch (type) {
      case msg::ClAppendChunks::kType: {
        msg::ClAppendChunks m;
        if (!net::decode(p, m)) return false;
        const Node *dst = node(m.dst), *src = node(m.src);
        return dst && src && dst->chunks.count() + src->chunks.count() > kMaxWork;
      }
      case msg::ClSnapshot::kType: {
        msg::ClSnapshot m;
        const Node* src = net::decode(p, m) ? node(m.src) : nullptr;
        if (!src) return false;
        Usage u = fs.usage(*src);
        return uint64_t(u.inodes) + uint64_t(u.chunks) > kMaxWork;
      }
      default: return false;
    }
  }

  void request(In& in) {
    Slot& s = slots_[in.byte() % kSlots];
    const auto& t = s.tool ? cli_requests() : client_requests();
    const ReqType& r = t[in.byte() % t.size()];
    std::string p = mutate(in, r.make(in));
    frame(s, r.type, p, true);
  }
  void any_frame(In& in) {
    Slot& s = slots_[in.byte() % kSlots];
    uint32_t type = in.raw<uint16_t>();
    frame(s, type, in.bytes(in.byte()), in.byte() & 1);
  }
  void client_close(uint8_t i) { drop(slots_[i]); }

  // A chunkserver connects and registers, holding `chunks` (none: every
  // chunk the metadata knows, at its version).
  bool cs_connect(int k, In* in) {
    auto link = std::make_shared<FakeLink>(kCsIp, static_cast<uint16_t>(50000 + k));
    msg::Hello h;
    h.role = msg::kRoleChunkserver;
    msg::HelloReply hr;
    if (!master_->on_cs_frame(link, msg::Hello::kType, body(h)) || !link->take(&hr)) return false;
    msg::CsRegister reg;
    reg.ip = kCsIp;
    reg.port = kCsPorts[k];
    reg.total_bytes = 1ull << 40;
    reg.version = "fuzz";
    std::vector<std::pair<uint64_t, uint32_t>> known;
    for (const auto& [id, c] : master_->fs().chunks()) known.emplace_back(id, c.version);
    std::sort(known.begin(), known.end());
    if (known.size() > 64) known.resize(64);
    for (auto [id, version] : known) {
      uint8_t how = in ? in->byte() : 0;
      if (how % 4 == 3) continue;  // lost it
      reg.chunks.push_back({id, how % 4 == 2 ? version - 1 : version});
      if (how % 8 == 1) reg.removal_chunks.push_back(id);
    }
    if (!master_->on_cs_frame(link, msg::CsRegister::kType, body(reg))) {
      master_->on_cs_close(link);
      return false;
    }
    msg::CsRegisterReply rr;
    if (!link->take(&rr) || rr.status != St::kOk) return false;
    cs_[k] = link;
    return true;
  }
  void cs_close(int k) {
    if (!cs_[k]) return;
    master_->on_cs_close(cs_[k]);
    cs_[k].reset();
  }
  // Both chunkservers answer every command they hold (done); false if
  // they held none.
  bool answer_all() {
    bool any = false;
    for (int k = 0; k < 2; k++) {
      for (int n = 0; n < 4096 && cs_[k] && !cs_[k]->out.empty(); n++) {
        In none(nullptr, 0);
        cs_answer(k, none);
        any = true;
      }
    }
    return any;
  }
  bool cs_ready(int k, In& in) { return cs_[k] || cs_connect(k, &in); }

  // The chunkserver answers its oldest command as the input says: done (at
  // the version asked for), failed, done at another version, with another
  // op id, or never.
  void cs_answer(int k, In& in) {
    if (!cs_ready(k, in) || cs_[k]->out.empty()) return;
    std::string f = std::move(cs_[k]->out.front());
    cs_[k]->out.pop_front();
    uint32_t type;
    std::memcpy(&type, f.data(), 4);
    std::string_view p = std::string_view(f).substr(8);
    msg::CsOpStatus st;
    switch (type) {
      case msg::CsCreate::kType: {
        msg::CsCreate c;
        net::decode(p, c);
        st = {c.op_id, c.chunk_id, St::kOk, c.version};
        break;
      }
      case msg::CsDelete::kType: {
        msg::CsDelete c;
        net::decode(p, c);
        st = {c.op_id, c.chunk_id, St::kOk, 0};
        break;
      }
      case msg::CsSetVersion::kType: {
        msg::CsSetVersion c;
        net::decode(p, c);
        st = {c.op_id, c.chunk_id, St::kOk, c.new_version};
        break;
      }
      case msg::CsTruncate::kType: {
        msg::CsTruncate c;
        net::decode(p, c);
        st = {c.op_id, c.chunk_id, St::kOk, c.new_version};
        break;
      }
      case msg::CsDuplicate::kType: {
        msg::CsDuplicate c;
        net::decode(p, c);
        st = {c.op_id, c.new_chunk_id, St::kOk, c.new_version};
        break;
      }
      case msg::CsReplicate::kType: {
        msg::CsReplicate c;
        net::decode(p, c);
        st = {c.op_id, c.chunk_id, St::kOk, c.version};
        break;
      }
      default: return;  // not a command
    }
    uint8_t how = in.byte();
    if (how >= 0xF8) return;
    if (how >= 0xF0) gen(in, st.op_id);
    else if (how >= 0xE0) gen(in, st.version);
    else if (how >= 0xC0) st.status = static_cast<St>(1 + how % 32);
    if (!master_->on_cs_frame(cs_[k], msg::CsOpStatus::kType, body(st))) cs_close(k);
  }

  // Anything a chunkserver may send, from the input.
  void cs_frame(In& in) {
    int k = in.byte() % 2;
    if (!cs_ready(k, in)) return;
    const auto& t = cs_messages();
    const ReqType& r = t[in.byte() % t.size()];
    std::string p = mutate(in, r.make(in));
    if (!master_->on_cs_frame(cs_[k], r.type, p) || !cs_[k]->open()) cs_close(k);
  }

  // ---- the tree every input starts from

  St call(uint8_t slot, uint32_t type, const std::string& payload) {
    Slot& s = slots_[slot];
    if (!s.link) expect(connect(s, false), "connection of slot " + std::to_string(slot));
    expect(master_->on_client_frame(s.link, type, payload), "setup request closed the connection");
    return St::kOk;
  }
  template <class R, class M>
  R ask(uint8_t slot, const M& m) {
    call(slot, M::kType, body(m));
    R r;
    expect(slots_[slot].link->take(&r), "setup reply to type " + std::to_string(M::kType));
    return r;
  }
  uint32_t mk(uint32_t parent, const std::string& name, uint8_t type, uint16_t mode, bool open = false) {
    msg::ClMknod m{1, {0, 0, {}}, parent, name, type, mode, 0, true, open, uint8_t(open ? 6 : 0), 0};
    auto r = ask<msg::ClAttrReply>(kAdmin, m);
    expect(r.status == St::kOk, "mknod " + name);
    return r.attr.inode;
  }
  // A chunk written at slot 0 of open file ino, on both chunkservers.
  void write_chunk(uint32_t ino) {
    call(kAdmin, msg::ClWriteChunk::kType, body(msg::ClWriteChunk{2, ino, 0, 70000}));
    while (answer_all()) {}
    msg::ClChunkReply r;
    expect(slots_[kAdmin].link->take(&r) && r.status == St::kOk, "write lease");
    auto e = ask<msg::ClStatusReply>(kAdmin, msg::ClWriteChunkEnd{3, ino, r.chunk_id, 70000, St::kOk});
    expect(e.status == St::kOk, "write end");
  }
  void build_tree() {
    const msg::Cred root{0, 0, {}};
    Tree& t = tree_;
    t.sub = mk(kRootInode, "sub", msg::kDir, 0777);
    t.pub = mk(kRootInode, "pub", msg::kDir, 0777);
    t.priv = mk(kRootInode, "priv", msg::kDir, 0755);
    t.d = mk(t.sub, "d", msg::kDir, 0755);
    t.f = mk(t.d, "f", msg::kFile, 0644);
    t.a = mk(t.sub, "a", msg::kFile, 0666, true);
    t.x = mk(kRootInode, "x", msg::kFile, 0600, true);
    t.p = mk(t.pub, "p", msg::kFile, 0644);
    t.q = mk(t.priv, "q", msg::kFile, 0644);
    write_chunk(t.a);
    write_chunk(t.x);
    // The subfolder session's root squashed to 999 owns its tree; its root
    // (0755) does not look like the file system's (0777).
    for (uint32_t ino : {t.sub, t.d, t.a}) {
      msg::ClSetattr m{1, root, ino, msg::kSetUid | msg::kSetGid | msg::kSetMode, 0755, 999, 999, 0, 0, 0, false};
      expect(ask<msg::ClAttrReply>(kAdmin, m).status == St::kOk, "chown");
    }
    expect(ask<msg::ClAttrReply>(kAdmin, msg::ClSymlink{1, root, t.sub, "s", "../x"}).status == St::kOk, "symlink");
    t.s = master_->fs().child(t.sub, "s");
    // x has a second name inside /sub.
    expect(ask<msg::ClAttrReply>(kAdmin, msg::ClLink{1, root, t.x, t.sub, "hx"}).status == St::kOk, "link");
    // /sub keeps deleted files in the trash for an hour; f goes there.
    auto set = ask<msg::ClToolSetReply>(kAdmin, msg::ClToolSet{1, root, t.sub, msg::kAttrTrashtime, 3600, 0, true});
    expect(set.status == St::kOk, "trash time");
    expect(ask<msg::ClStatusReply>(kAdmin, msg::ClUnlink{1, root, t.d, "f", false}).status == St::kOk, "unlink f");
    // A sustained file: unlinked while open, outside any trash time.
    t.sustained = mk(kRootInode, "gone", msg::kFile, 0644, true);
    expect(ask<msg::ClStatusReply>(kAdmin, msg::ClUnlink{1, root, kRootInode, "gone", false}).status == St::kOk,
           "unlink gone");
    expect(ask<msg::ClStatusReply>(kAdmin, msg::ClSetXattr{1, root, t.a, "user.a", "v", 0}).status == St::kOk, "xattr");
    msg::ClQuota q{1, root, t.pub, msg::kQuotaSet, 0x11, std::vector<uint64_t>(msg::kQuotaSlots, 0), false, 0};
    q.limits[0] = 20;       // soft inodes
    q.limits[4] = 30;       // hard inodes
    q.limits[5] = 1 << 30;  // hard length
    q.mask = 0x31;
    expect(ask<msg::ClQuotaReply>(kAdmin, q).status == St::kOk, "quota");
    expect(ask<msg::ClStatusReply>(kAdmin, msg::ClRelease{1, t.x}).status == St::kOk, "release x");
  }

  // ---- confinement

  // Every reply a subfolder session got names only inodes of its tree (1 is
  // its root) or files it holds open.
  void check_replies() {
    const Fs& fs = master_->fs();
    for (uint8_t i = 0; i < kSlots; i++) {
      Slot& s = slots_[i];
      if (!s.link) continue;
      auto ctx = std::static_pointer_cast<ClientCtx>(s.link->ctx);
      const Session* sess = ctx ? master_->sessions().find(ctx->session) : nullptr;
      for (const std::string& f : s.link->out) {
        uint32_t type;
        std::memcpy(&type, f.data(), 4);
        std::string_view p = std::string_view(f).substr(8);
        if (tracing()) {  // most replies start with req (u32) and status (u8)
          int st = p.size() > 4 ? static_cast<uint8_t>(p[4]) : -1;
          std::fprintf(stderr, "  slot %d <- type %u, %zu bytes, status %d\n", i, type, p.size(), st);
        }
        if (!sess || sess->meta || sess->root == kRootInode) continue;
        std::vector<const msg::Attr*> attrs;
        msg::ClAttrReply ar;
        msg::ClOpenReply orp;
        msg::ClReaddirReply dr;
        if (type == msg::ClAttrReply::kType && net::decode(p, ar) && ar.status == St::kOk) attrs.push_back(&ar.attr);
        if (type == msg::ClOpenReply::kType && net::decode(p, orp) && orp.status == St::kOk) attrs.push_back(&orp.attr);
        if (type == msg::ClReaddirReply::kType && net::decode(p, dr))
          for (const auto& e : dr.entries) attrs.push_back(&e.attr);
        for (const msg::Attr* a : attrs) {
          if (tracing()) std::fprintf(stderr, "    names inode %u (mode %o)\n", a->inode, a->mode);
          check_confined(i, *sess, fs, *a, type);
        }
      }
      s.link->out.clear();
    }
  }
  void check_confined(uint8_t slot, const Session& sess, const Fs& fs, const msg::Attr& a, uint32_t type) {
    std::string who = "slot " + std::to_string(slot) + " (session root inode " + std::to_string(sess.root) +
                      ") got reply type " + std::to_string(type) + " naming inode " + std::to_string(a.inode);
    if (a.inode == kRootInode) {
      // Its own root, renumbered 1: not the file system's root.
      const Node* r = fs.node(sess.root);
      const Node* top = fs.node(kRootInode);
      if (r && top && (a.mode != r->mode || a.uid != r->uid || a.gid != r->gid) &&
          (a.mode == top->mode && a.uid == top->uid && a.gid == top->gid))
        fail(who + ": the attributes are those of the file system's root, outside its export");
      return;
    }
    const Node* n = fs.node(a.inode);
    if (fs.within(sess.root, a.inode) || (sess.open.count(a.inode) && n && n->type != msg::kDir)) return;
    fail(who + ", outside its export and not open by it");
  }

  static void compare(const std::string& what, const std::string& a, const std::string& b) {
    if (a == b) return;
    std::istringstream sa(a), sb(b);
    std::string la, lb;
    int line = 1;
    while (true) {
      bool ea = !std::getline(sa, la), eb = !std::getline(sb, lb);
      if (ea && eb) break;
      if (ea || eb || la != lb) {
        fail(what + " differ at dump line " + std::to_string(line) + ":\n  live:  " + (ea ? "<end>" : la) +
             "\n  other: " + (eb ? "<end>" : lb));
      }
      line++;
    }
    fail(what + " differ");
  }

  std::string dir_;
  std::unique_ptr<Master> master_;
  Slot slots_[kSlots];
  std::shared_ptr<FakeLink> cs_[2];
  Tree tree_;
};

}  // namespace
}  // namespace antler::master::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace antler;
  log::set_level(std::getenv("ANTLER_MASTER_FUZZ_LOG") ? log::Level::kWarn : log::Level::kError);
  const char* seeds = std::getenv("ANTLER_MASTER_FUZZ_SEEDS");
  const char* findings = std::getenv("ANTLER_MASTER_FUZZ_FINDINGS");
  if (seeds || findings) {
    master::fuzz::Tree tree = master::fuzz::Cluster().tree();
    if (seeds) master::fuzz::write_seeds(seeds, tree);
    if (findings) master::fuzz::write_findings(findings, tree);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  antler::master::fuzz::Cluster cluster;
  antler::master::fuzz::In in(data, size);
  cluster.run(in);
  cluster.drain();
  cluster.check_metadata();
  return 0;
}
