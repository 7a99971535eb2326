// Port 9421, before any request: the handshake, then the registration of a
// session under the best export rule of mfsexports.cfg, with a password
// challenge when that rule has a password (docs/protocol.md, "Sessions").
#include <algorithm>
#include <chrono>

#include "common/auth.h"
#include "daemons/master/service/client_ops.h"

namespace antler::master {

namespace {

// Resolves a normalised absolute path inside the namespace; 0 if missing or
// not a directory.
uint32_t resolve_dir(const Fs& fs_, const std::string& path) {
  uint32_t ino = kRootInode;
  size_t pos = 1;
  while (pos < path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    ino = fs_.child(ino, path.substr(pos, next - pos));
    const Node* n = fs_.node(ino);
    if (!n || n->type != msg::kDir) return 0;
    pos = next + 1;
  }
  return ino;
}

std::string version_text(uint32_t v) {
  return std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

}  // namespace

class Registration {
 public:
  Registration(Master& m, const LinkPtr& link, ClientCtx& ctx) : m_(m), link_(link), ctx_(ctx) {}

  // A ClRegister, or (digest != nullptr) the answer to the challenge of the
  // pending one.
  void run(const msg::ClRegister& reg, const std::string* digest) {
    msg::ClRegisterReply r;
    r.req = reg.req;
    auto refuse = [&](St st, const std::string& why) {
      r.status = st;
      r.message = why;
      log::warn("client {}: mount refused: {}", link_->peer, why);
      link_->send(net::frame(r));
    };
    uint32_t ip = link_->peer_ip;
    std::string where = reg.meta ? "the meta file system" : "'" + reg.subdir + "'";
    auto sub = reg.meta ? std::optional<std::string>("/") : normalize_subdir(reg.subdir);
    if (!sub) return refuse(St::kInval, "subfolder '" + reg.subdir + "' contains '..'");
    if (m_.exports_.candidates(ip, *sub, reg.meta, UINT32_MAX).empty()) {
      return refuse(St::kPerm, "exports (" + m_.settings_.exports_filename + ") do not allow " + net::ip_to_string(ip) +
                                   " to mount " + where);
    }
    auto cands = m_.exports_.candidates(ip, *sub, reg.meta, reg.version);
    if (cands.empty()) {
      return refuse(St::kPerm, "client version " + version_text(reg.version) +
                                   " is below the minversion of every export that admits it to " + where);
    }
    if (!digest && reg.passcode) {
      for (const ExportRule* c : cands) {
        if (c->password_md5.empty()) continue;
        ctx_.challenged = true;
        ctx_.pending = reg;
        ctx_.nonce = auth::nonce();
        link_->send(net::frame(msg::ClChallenge{reg.req, ctx_.nonce}));
        return;
      }
    }
    const ExportRule* rule = m_.exports_.choose(ip, *sub, reg.meta, reg.version, [&](const ExportRule& c) {
      return digest && auth::verify(c.password_md5, ctx_.nonce, *digest);
    });
    if (!rule) {
      if (reg.passcode) return refuse(St::kPerm, "wrong password for " + where);
      return refuse(St::kPerm,
                    "a password is needed to mount " + where + " (mfsmount -p, -o mfspassword= or -o mfsmd5pass=)");
    }
    bool proved = digest && std::any_of(cands.begin(), cands.end(), [&](const ExportRule* c) {
                    return !c->password_md5.empty() && auth::verify(c->password_md5, ctx_.nonce, *digest);
                  });
    if (digest && !proved) {
      log::warn("client {}: its password matches no rule for {}; registering it under line {} (no password)",
                link_->peer, where, rule->line);
    }
    uint32_t root = reg.meta ? kRootInode : resolve_dir(m_.fs_, *sub);
    if (root == 0) return refuse(St::kNoEnt, "no directory " + where + " on this file system");
    // A session is resumed only with the secret the master gave it: an id
    // alone (seen in a listing, or guessed) takes over nothing.
    Session* s = reg.session_id != 0 ? m_.sessions_.find(reg.session_id) : nullptr;
    if (s && !auth::same(s->secret, reg.secret)) {
      log::warn("client {}: asked to resume session {:016x} without its secret: it gets a new session", link_->peer,
                reg.session_id);
      s = nullptr;
    }
    if (s && s->peer_ip != ip && !rule->dynamicip) {
      return refuse(St::kPerm, "session " + fmt::format("{:016x}", s->id) + " was opened from " +
                                   net::ip_to_string(s->peer_ip) + " and its export has no dynamicip: mount again");
    }
    bool resumed = s != nullptr;
    if (!s) s = &m_.sessions_.create();
    uint64_t id = s->id;
    s->root = root;
    s->rule = *rule;
    s->info = reg.info;
    s->peer = link_->peer;
    s->peer_ip = ip;
    s->meta = reg.meta;
    if (ctx_.session != id) {  // one more connection of this session (its locks live while any does)
      if (Session* before = m_.sessions_.find(ctx_.session)) SessionTable::link_closed(*before, m_.loop_.now_ms());
      SessionTable::link_added(*s);
    }
    ctx_.session = id;
    link_->authenticated = true;
    r.session_id = id;
    r.secret = s->secret;
    r.resumed = resumed;
    r.readonly = rule->readonly;
    r.kernel_checks = !rule->has_mapall && !rule->ignoregid;
    log::info("client {}: session {:016x} {} ({}, {}, exports line {}{}{})", link_->peer, id,
              resumed ? "resumed" : "opened", reg.info, reg.meta ? "meta" : "subfolder '" + *sub + "'", rule->line,
              rule->readonly ? ", read-only" : "", rule->password_md5.empty() ? "" : ", password checked");
    link_->send(net::frame(r));
  }

 private:
  Master& m_;
  LinkPtr link_;
  ClientCtx& ctx_;
};

void Master::expire_sessions() {
  int64_t now = loop_.now_ms();
  int64_t sustain = settings_.session_sustain_time_s * 1000;
  std::vector<uint64_t> due;
  sessions_.for_each([&](const Session& s) {
    if (s.links == 0 && s.gone_ms != 0 && now - s.gone_ms >= sustain) due.push_back(s.id);
  });
  for (uint64_t id : due) {
    const Session* s = sessions_.find(id);
    log::info("session {:016x} ({}) gone for {} s (SESSION_SUSTAIN_TIME): ended, its {} open files released", id,
              s->info, (now - s->gone_ms) / 1000, s->open.size());
    locks_.release_session(id);
    for (uint32_t ino : sessions_.erase(id)) {
      const Node* n = fs_.node(ino);
      if (n && n->nlink == 0 && fs_.trash().count(ino) == 0) commit(OpPurge{ino});
    }
  }
  if (!due.empty()) send_lock_wakeups();
}

bool Master::on_client_frame(const LinkPtr& link, uint32_t type, std::string_view payload) {
  if (!link->ctx) link->ctx = std::make_shared<ClientCtx>();
  auto& ctx = *std::static_pointer_cast<ClientCtx>(link->ctx);
  if (!ctx.hello) {
    msg::Hello h;
    if (type != msg::Hello::kType || !net::decode(payload, h)) {
      log::warn("client {}: expected a handshake, got message type {} ({} bytes): closing connection", link->peer, type,
                payload.size());
      return false;
    }
    msg::HelloReply r{St::kOk, msg::kProtocolVersion, 0, fs_.cluster_id(), fs_.version(), "", 0, 0};
    if (!hello_epoch(h, link, h.role == msg::kRoleTool ? "tool" : "mount", &r)) {
      link->send(net::frame(r));
      log::warn("client {}: {}: closing connection", link->peer, r.message);
      return false;
    }
    ctx.hello = true;
    ctx.cli = h.role == msg::kRoleTool;
    link->authenticated = ctx.cli;  // a mount: once registered
    link->send(net::frame(r));
    return true;
  }
  if (ctx.cli) return on_cli_frame(link, type, payload);
  if (ctx.challenged) {
    msg::ClChallengeReply a;
    if (type != msg::ClChallengeReply::kType || !net::decode(payload, a) || a.req != ctx.pending.req) {
      log::warn(
          "client {}: expected the answer to its password challenge, got message type {} ({} bytes): "
          "closing connection",
          link->peer, type, payload.size());
      return false;
    }
    ctx.challenged = false;
    msg::ClRegister reg = std::move(ctx.pending);
    Registration(*this, link, ctx).run(reg, &a.digest);
    ctx.nonce.clear();
    return true;
  }
  if (type == msg::ClRegister::kType) {
    msg::ClRegister m;
    if (!net::decode(payload, m)) {
      log::warn("client {}: undecodable registration: closing connection", link->peer);
      return false;
    }
    Registration(*this, link, ctx).run(m, nullptr);
    return true;
  }
  ClientOps ops(*this, link, ctx);
  auto t0 = std::chrono::steady_clock::now();
  bool ok = ops.dispatch(type, payload);
  count_request(type, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return ok;
}

}  // namespace antler::master
