// Chunk requests on port 9421: read locations, write leases (new chunks,
// version bumps), the end of a write, and truncation inside a chunk.
#include "daemons/master/service/client_ops.h"

namespace antler::master {

// Copy-on-write: slot `index` of file ino holds chunk cid, which other files
// share (snapshots, appended chunks). Makes the file its own copy, version
// 1, on the servers holding cid (CsDuplicate, cut or zero-extended to
// length), points the slot at it, then calls done(status, new chunk id,
// servers holding it).
void ClientOps::copy_on_write(Master& master, uint32_t ino, uint32_t index, uint64_t cid, uint32_t length,
                              const std::function<void(St, uint64_t, const std::vector<uint32_t>&)>& done) {
  std::vector<uint32_t> holders;
  master.valid_locations(cid, &holders);
  uint64_t slot = (uint64_t(ino) << 32) | index;
  // Its SETCHUNK would be refused: no copy is made to be deleted again.
  if (master.store_.failed()) return done(St::kMetaFailed, 0, {});
  if (holders.empty()) return done(St::kIO, 0, {});
  if (!master.chunks_.begin_create(slot)) return done(St::kLocked, 0, {});
  uint32_t v = master.fs_.chunk(cid)->version;
  uint64_t id = master.fs_.next_chunk_id();
  if (St st = master.commit(OpChunkId{id}); st != St::kOk) {
    master.chunks_.end_create(slot);
    return done(st, 0, {});
  }
  std::vector<std::pair<uint32_t, std::function<void(Master::OpDone)>>> ops;
  ops.reserve(holders.size());
  for (uint32_t cs : holders) {
    ops.emplace_back(cs, [&master, cs, cid, v, id, length](Master::OpDone d) {
      master.cs_command(cs, msg::CsDuplicate{0, cid, v, id, 1, length}, std::move(d));
    });
  }
  master.cs_gather(std::move(ops), [&master, ino, index, cid, id, slot, done](const std::vector<uint32_t>& good) {
    master.chunks_.end_create(slot);
    const Node* n = master.fs_.node(ino);
    St st = St::kOk;
    if (good.empty()) st = St::kIO;
    else if (!n || n->chunks.at(index) != cid) st = St::kLocked;  // changed meanwhile
    else st = master.commit(OpSetChunk{ino, index, id, 1});
    if (st != St::kOk) {
      for (uint32_t cs : good) master.cs_command(cs, msg::CsDelete{0, id, 0}, [](St, uint32_t) {});
      return done(st, 0, {});
    }
    for (uint32_t cs : good) master.chunks_.add_copy(id, {cs, 1});
    log::debug("inode {} slot {}: chunk {:016X} copied on write to {:016X}", ino, index, cid, id);
    done(St::kOk, id, good);
  });
}

void ClientOps::truncate(const msg::ClSetattr& m, uint32_t ino, const msg::Cred& c) {
  const Node* n = m_.fs_.node(ino);
  uint64_t len = m.size;
  uint32_t idx = static_cast<uint32_t>(len / msg::kChunkSize);
  uint32_t in_chunk = static_cast<uint32_t>(len % msg::kChunkSize);
  uint64_t cid = (len < n->length && in_chunk != 0) ? n->chunks.at(idx) : 0;
  if (len > n->length)
    if (St st = file_may_grow(*n, len, Fs::kNoSlot); st != St::kOk) return attr_reply(m.req, st, 0);
  if (cid == 0) return attr_reply(m.req, m_.commit(OpTruncate{ino, len}), ino);
  Master& master = m_;
  LinkPtr link = link_;
  Session sess = *sess_;
  uint32_t req = m.req;
  auto answer = [&master, link, sess, req, ino](St st) {
    msg::ClAttrReply r{req, st, {}, {}};
    if (const Node* n = master.fs_.node(ino); st == St::kOk && n) {
      r.attr = master.fs_.attr(*n);
      if (r.attr.inode == sess.root) r.attr.inode = kRootInode;
    }
    master.reply_synced(link, net::frame(r));
  };
  if (master.fs_.chunk(cid)->refs > 1) {
    // Shared with a snapshot: the file gets its own copy, already cut.
    return copy_on_write(master, ino, idx, cid, in_chunk, [&master, answer, ino, len](St st, uint64_t, const auto&) {
      answer(st == St::kOk ? master.commit(OpTruncate{ino, len}) : st);
    });
  }
  // Cut the last chunk on its servers (new version) before shrinking.
  const ChunkMeta* meta = master.fs_.chunk(cid);
  uint32_t v = meta->version, nv = v + 1;
  std::vector<uint32_t> holders;
  master.valid_locations(cid, &holders);
  if (holders.empty()) return attr_reply(req, St::kIO, 0);
  // Logged before the servers hear of it; if it cannot be, they never do.
  if (St st = master.commit(OpSetVersion{cid, nv}); st != St::kOk) return attr_reply(req, st, 0);
  std::vector<std::pair<uint32_t, std::function<void(Master::OpDone)>>> ops;
  ops.reserve(holders.size());
  for (uint32_t cs : holders) {
    ops.emplace_back(cs, [&master, cs, cid, v, nv, in_chunk](Master::OpDone d) {
      master.cs_command(cs, msg::CsTruncate{0, cid, v, nv, in_chunk}, std::move(d));
    });
  }
  master.cs_gather(std::move(ops), [&master, answer, ino, len, cid, nv](const std::vector<uint32_t>& good) {
    master.chunks_.keep_copies(cid, good, nv);
    answer(good.empty() ? St::kIO : master.commit(OpTruncate{ino, len}));
  });
}

void ClientOps::read_chunk(const msg::ClReadChunk& m) {
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  msg::ClChunkReply r{m.req, St::kOk, 0, 0, 0, {}, {}};
  if (!n) r.status = St::kNoEnt;
  else if (n->type != msg::kFile) r.status = St::kInval;
  else if (!opened_for(ino, kR)) r.status = St::kAccess;  // ClOpen checked the reader's permission
  else r.status = disabled(Disable::kRead);
  if (r.status != St::kOk) return reply(r);
  r.file_length = n->length;
  if (n->chunks.at(m.index) != 0) {
    r.chunk_id = n->chunks.at(m.index);
    r.version = m_.fs_.chunk(r.chunk_id)->version;
    r.locations = m_.valid_locations(r.chunk_id);
    m_.chunks_.sort_by_distance(sess_->peer_ip, r.locations);  // nearest first (mfstopology.cfg)
    if (r.locations.empty()) r.status = St::kIO;               // no copy reachable now
    r.token = m_.tokens_.sign(r.chunk_id, r.version, token::kRead);
  }
  reply(r);
}

void ClientOps::write_chunk(const msg::ClWriteChunk& m) {
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  msg::ClChunkReply r{m.req, St::kOk, 0, 0, 0, {}, {}};
  if (St st = writable(Disable::kWrite); st != St::kOk) r.status = st;
  else if (m_.store_.failed()) r.status = St::kMetaFailed;  // before any chunkserver is asked
  else if (!n) r.status = St::kNoEnt;
  else if (n->type != msg::kFile) r.status = St::kInval;
  else if (!opened_for(ino, kW)) r.status = St::kAccess;  // ClOpen checked the writer's permission
  else if (m.index >= msg::kMaxChunksPerFile || m.end > msg::kMaxFileLength) r.status = St::kTooBig;
  else if (n->eattr & msg::kEattrImmutable) r.status = St::kPerm;
  else r.status = file_may_grow(*n, m.end, m.index);
  if (r.status != St::kOk) return reply(r);
  Master& master = m_;
  LinkPtr link = link_;
  uint64_t session = sess_->id;
  uint32_t req = m.req, index = m.index;
  int64_t now = master.loop_.now_ms();
  uint64_t cid = n->chunks.at(index);
  auto send = [&master, link](msg::ClChunkReply rep) {
    if (rep.status == St::kOk) rep.token = master.tokens_.sign(rep.chunk_id, rep.version, token::kWrite);
    master.reply_synced(link, net::frame(rep));
  };
  if (cid != 0) {
    const Lease* l = master.chunks_.lease(cid);
    if (l && l->session != session && l->expires_ms > now) {
      r.status = St::kLocked;
      return reply(r);
    }
    if (master.fs_.chunk(cid)->refs > 1) {
      // Shared with a snapshot: write to a copy of its own.
      return copy_on_write(master, ino, index, cid, msg::CsDuplicate::kKeepLength,
                           [&master, send, req, ino, session](St st, uint64_t id, const std::vector<uint32_t>& good) {
                             msg::ClChunkReply rep{req, st, 0, id, 1, {}, {}};
                             if (st == St::kOk) {
                               master.chunks_.grant_lease(id, session, master.loop_.now_ms() + kWriteLeaseMs);
                               rep.file_length = master.fs_.node(ino)->length;
                               master.add_locations(good, &rep.locations);
                             }
                             send(rep);
                           });
    }
    std::vector<uint32_t> holders;
    master.valid_locations(cid, &holders);
    if (holders.empty()) {
      r.status = St::kIO;
      return reply(r);
    }
    uint32_t v = master.fs_.chunk(cid)->version, nv = v + 1;
    // Logged before the servers hear of it; if it cannot be, they never do.
    if (St st = master.commit(OpSetVersion{cid, nv}); st != St::kOk) {
      r.status = st;
      return reply(r);
    }
    master.chunks_.grant_lease(cid, session, now + kWriteLeaseMs);
    std::vector<std::pair<uint32_t, std::function<void(Master::OpDone)>>> ops;
    ops.reserve(holders.size());
    for (uint32_t cs : holders) {
      ops.emplace_back(cs, [&master, cs, cid, v, nv](Master::OpDone d) {
        master.cs_command(cs, msg::CsSetVersion{0, cid, v, nv}, std::move(d));
      });
    }
    master.cs_gather(std::move(ops), [&master, send, req, ino, cid, nv](const std::vector<uint32_t>& good) {
      master.chunks_.keep_copies(cid, good, nv);
      msg::ClChunkReply rep{req, St::kOk, 0, cid, nv, {}, {}};
      const Node* node = master.fs_.node(ino);
      if (!node || good.empty()) {
        rep.status = node ? St::kIO : St::kNoEnt;
        master.chunks_.end_lease(cid);
      } else {
        rep.file_length = node->length;
        master.add_locations(good, &rep.locations);
      }
      send(rep);
    });
    return;
  }
  uint64_t slot = (uint64_t(ino) << 32) | index;
  if (master.chunks_.creating(slot)) {
    r.status = St::kLocked;
    return reply(r);
  }
  auto targets = master.chunks_.choose_servers(n->goal, {}, sess_->peer_ip);
  if (targets.empty()) {
    r.status = St::kNoChunkServers;
    return reply(r);
  }
  uint64_t id = master.fs_.next_chunk_id();
  if (St st = master.commit(OpChunkId{id}); st != St::kOk) {
    r.status = st;
    return reply(r);
  }
  master.chunks_.begin_create(slot);
  for (uint32_t cs : targets) master.chunks_.server(cs)->chunk_count++;  // until its next heartbeat says
  std::vector<std::pair<uint32_t, std::function<void(Master::OpDone)>>> ops;
  ops.reserve(targets.size());
  for (uint32_t cs : targets) {
    ops.emplace_back(cs, [&master, cs, id](Master::OpDone d) {
      master.cs_command(cs, msg::CsCreate{0, id, 1}, std::move(d));
    });
  }
  master.cs_gather(std::move(ops),
                   [&master, send, req, ino, index, id, slot, session](const std::vector<uint32_t>& good) {
                     master.chunks_.end_create(slot);
                     msg::ClChunkReply rep{req, St::kOk, 0, id, 1, {}, {}};
                     St st = good.empty() ? St::kNoChunkServers : master.commit(OpSetChunk{ino, index, id, 1});
                     if (st != St::kOk) {
                       for (uint32_t cs : good) master.cs_command(cs, msg::CsDelete{0, id, 0}, [](St, uint32_t) {});
                       rep.status = st;
                       return send(rep);
                     }
                     for (uint32_t cs : good) master.chunks_.add_copy(id, {cs, 1});
                     master.add_locations(good, &rep.locations);
                     master.chunks_.grant_lease(id, session, master.loop_.now_ms() + kWriteLeaseMs);
                     rep.file_length = master.fs_.node(ino)->length;
                     send(rep);
                   });
}

void ClientOps::write_chunk_end(const msg::ClWriteChunkEnd& m) {
  uint32_t ino = in(m.inode);
  const Lease* l = m_.chunks_.lease(m.chunk_id);
  bool ours = l && l->session == sess_->id;
  if (ours) {
    m_.chunks_.end_lease(m.chunk_id);
    // The chunk loop passes leased chunks by: one that lost a copy while it
    // was written (a server died mid-write, or a replication of the old
    // version was thrown away) is queued now, not at the next walk.
    m_.chunk_loop_.recheck({m.chunk_id});
  }
  if (m.status != St::kOk) {
    log::warn("client {}: write to chunk {:016X} of inode {} failed: {}", link_->peer, m.chunk_id, ino,
              to_string(m.status));
    return status(m.req, St::kOk);  // nothing was written: the length stays
  }
  // The length grows only as a write the session may do could grow it:
  // into the chunk it wrote (the one at the slot the new length ends in),
  // with the file open for writing, under the export's and the quota's rules.
  const Node* n = m_.fs_.node(ino);
  if (!n) return status(m.req, St::kNoEnt);
  if (St st = writable(Disable::kWrite); st != St::kOk) return status(m.req, st);
  if (n->type != msg::kFile) return status(m.req, St::kInval);
  if (!opened_for(ino, kW)) return status(m.req, St::kAccess);
  if (n->eattr & msg::kEattrImmutable) return status(m.req, St::kPerm);
  if (m.length > msg::kMaxFileLength) return status(m.req, St::kTooBig);
  if (l && !ours && l->expires_ms > m_.loop_.now_ms()) return status(m.req, St::kLocked);
  if (m.length <= n->length) return status(m.req, m_.commit(OpWrite{ino, m.length}));  // times only
  uint64_t slot = (m.length - 1) / msg::kChunkSize;
  if (n->chunks.at(slot) != m.chunk_id) {
    log::warn("client {}: write end of chunk {:016X} claims length {} of inode {}, which that chunk does not hold",
              link_->peer, m.chunk_id, m.length, ino);
    return status(m.req, St::kInval);
  }
  if (St st = file_may_grow(*n, m.length, Fs::kNoSlot); st != St::kOk) return status(m.req, st);
  status(m.req, m_.commit(OpWrite{ino, m.length}));
}

}  // namespace antler::master
