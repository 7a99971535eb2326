#include "daemons/chunkserver/service/master_link.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/crc.h"
#include "common/log.h"
#include "daemons/chunkserver/service/cs_server.h"

namespace antler::cs {

MasterLink::MasterLink(ChunkStore& store, const Options& opts, std::function<uint32_t()> load)
    : store_(store), opts_(opts), load_(std::move(load)) {
  if (opts_.epoch_file.empty()) return;
  Result<Epoch> e = read_epoch_file(opts_.epoch_file);
  if (e) epoch_ = *e;
  else log::error("{}; starting as if no cluster epoch had been seen", e.status().message());
}

MasterLink::~MasterLink() {
  stop();
  wait();
}

void MasterLink::start() {
  thread_ = std::thread(&MasterLink::run, this);
  heartbeat_ = std::thread(&MasterLink::heartbeat_loop, this);
}

void MasterLink::stop() {
  if (stopping_.exchange(true)) return;
  // A clean stop: the master holds this server's copies as they are while
  // it is away (temporary maintenance) instead of copying them elsewhere.
  if (registered_ && send(msg::CsStopping{})) log::info("told the master that this chunkserver is stopping");
  {
    std::lock_guard lk(send_mu_);
    conn_.shutdown();
    if (rx_) rx_->shutdown();
  }
  std::lock_guard lk(mu_);
  for (net::Conn* c : rep_conns_) c->shutdown();
  cv_.notify_all();
}

void MasterLink::wait() {
  if (thread_.joinable()) thread_.join();
  if (heartbeat_.joinable()) heartbeat_.join();
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return replications_ == 0; });
}

void MasterLink::sleep_for(int seconds) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, std::chrono::seconds(seconds), [&] { return stopping_.load(); });
}

void MasterLink::report_damaged(uint64_t chunk_id) {
  {
    std::lock_guard lk(mu_);
    damaged_.insert(chunk_id);
  }
  if (registered_) flush_damaged();
}

void MasterLink::flush_damaged() {
  std::set<uint64_t> ids;
  {
    std::lock_guard lk(mu_);
    ids.swap(damaged_);
  }
  for (auto it = ids.begin(); it != ids.end(); ++it) {
    if (!send(msg::CsChunkDamaged{*it})) {
      std::lock_guard lk(mu_);
      damaged_.insert(it, ids.end());
      return;
    }
    log::info("reported damaged chunk {:016X} to the master", *it);
  }
}

void MasterLink::run() {
  while (!stopping_) {
    session();
    if (stopping_) break;
    sleep_for(opts_.reconnect_delay_s);
  }
}

void MasterLink::heartbeat_loop() {
  while (!stopping_) {
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, std::chrono::seconds(1), [&] { return stopping_.load(); });
    }
    if (stopping_) break;
    store_.refresh_space();
    if (!registered_) continue;
    SpaceTotals s = store_.space();
    msg::CsSpace m;
    m.total_bytes = s.total;
    m.used_bytes = s.used;
    m.chunk_count = s.chunks;
    m.load = load_ ? load_() : 0;
    std::vector<DiskState> disks = store_.disks();
    std::vector<DiskIo> totals;
    totals.reserve(disks.size());
    for (const DiskState& d : disks) totals.push_back(d.io);
    if (io_totals_.empty()) io_totals_.emplace_back(disks.size());  // the start: nothing yet
    io_totals_.push_back(totals);
    io_max_.push_back(store_.take_io_max());
    if (io_totals_.size() > 61) io_totals_.pop_front();
    if (io_max_.size() > 60) io_max_.pop_front();
    for (size_t i = 0; i < disks.size(); i++) {
      const DiskState& d = disks[i];
      uint8_t flags = (d.removal ? msg::kDiskRemoval : 0) | (d.failed ? msg::kDiskFailed : 0) |
                      (d.move_out ? msg::kDiskMoveOut : 0) | (d.move_in ? msg::kDiskMoveIn : 0) |
                      (d.full ? msg::kDiskFull : 0);
      msg::CsDisk c{d.path, flags, d.chunks, d.used, d.total, d.errors};
      // The last minute (or since the start): now less the oldest record.
      DiskIo w = d.io - io_totals_.front()[i];
      c.window_s = static_cast<uint32_t>(io_totals_.size() - 1);
      c.rbytes = w.rbytes, c.wbytes = w.wbytes, c.rops = w.rops, c.wops = w.wops, c.fsyncs = w.fsyncs;
      c.r_us = w.r_us, c.w_us = w.w_us, c.fsync_us = w.fsync_us;
      for (const auto& sec : io_max_) {
        c.r_max_us = std::max(c.r_max_us, sec[i][0]);
        c.w_max_us = std::max(c.w_max_us, sec[i][1]);
        c.fsync_max_us = std::max(c.fsync_max_us, sec[i][2]);
      }
      m.disks.push_back(std::move(c));
    }
    send(m);  // a failure shows up in the reading thread
  }
}

// Connects, binding to opts_.bind_ip when set.
bool MasterLink::connect(net::Conn& c, uint32_t ip) {
  return c.connect(ip, opts_.master_port, opts_.timeout_s * 1000, opts_.bind_ip);
}

void MasterLink::session() {
  const std::string where = opts_.master_host + ":" + std::to_string(opts_.master_port);
  const std::string retry = "; retrying in " + std::to_string(opts_.reconnect_delay_s) + " s";
  auto failed = [&](const std::string& why) {
    // A failure that repeats is logged as a warning once a minute.
    auto now = std::chrono::steady_clock::now();
    if (why != last_failure_ || now - last_warned_ >= std::chrono::minutes(1)) {
      log::warn("master {}: {}{}", where, why, retry);
      last_failure_ = why;
      last_warned_ = now;
    } else {
      log::debug("master {}: {}{}", where, why, retry);
    }
  };
  uint32_t ip = 0;
  if (!net::resolve_ipv4(opts_.master_host, ip)) return failed("cannot resolve host name");
  net::Conn rx;
  if (!connect(rx, ip)) return failed(std::string("cannot connect: ") + std::strerror(errno));
  struct Track {
    MasterLink& l;
    Track(MasterLink& link, net::Conn* c) : l(link) {
      std::lock_guard lk(l.send_mu_);
      l.rx_ = c;
      if (l.stopping_) c->shutdown();
    }
    ~Track() {
      std::lock_guard lk(l.send_mu_);
      l.rx_ = nullptr;
    }
  } track(*this, &rx);
  int timeout_ms = opts_.timeout_s * 1000;

  msg::Hello hello;
  hello.role = msg::kRoleChunkserver;
  hello.name = host_name();
  hello.cluster_id = cluster_id_;
  hello.meta_version = meta_version_;
  hello.epoch = epoch_.epoch;
  hello.epoch_id = epoch_.id;
  msg::HelloReply hr;
  if (!rx.send(hello) || !rx.recv_as(hr, timeout_ms)) return failed("no handshake: " + rx.last_error());
  if (hr.status != St::kOk) {
    failed("refused this chunkserver: " + hr.message + " (" + std::string(to_string(hr.status)) + ")");
    return;
  }
  Epoch master{hr.epoch, hr.epoch_id};
  if (std::string why = epoch_refusal(epoch_, master); !why.empty()) return failed(why);
  if (master.epoch > epoch_.epoch) {
    if (!opts_.epoch_file.empty()) {
      if (Status s = write_epoch_file(opts_.epoch_file, master); !s.ok())
        return failed("cluster epoch " + std::to_string(master.epoch) + " not recorded: " + s.message());
    }
    if (epoch_.epoch != 0)
      log::info("master {}: cluster epoch {} (was {}): a promoted master", where, master.epoch, epoch_.epoch);
    epoch_ = master;
  }
  if (hr.cluster_id) cluster_id_ = hr.cluster_id;
  if (hr.meta_version > meta_version_) meta_version_ = hr.meta_version;

  store_.refresh_space();
  SpaceTotals s = store_.space();
  msg::CsRegister reg;
  reg.ip = opts_.advertise_ip;
  reg.port = opts_.cs_port;
  reg.total_bytes = s.total;
  reg.used_bytes = s.used;
  reg.label = opts_.label;
  // Commands arrive only after registration, so the list is consistent.
  reg.chunks = store_.list();
  reg.removal_chunks = store_.removal_chunks();
  reg.version = ANTLER_VERSION;
  msg::CsRegisterReply rr;
  if (!rx.send(reg) || !rx.recv_as(rr, std::max(timeout_ms, 60000)))
    return failed("registration not answered: " + rx.last_error());
  if (rr.status != St::kOk) {
    failed("refused the registration: " + rr.message + " (" + std::string(to_string(rr.status)) + ")");
    return;
  }
  if (gate_) gate_->reset(rr.tokens, rr.keys);
  // Notice a silent master within MASTER_TIMEOUT: heartbeats left unacknowledged
  // by TCP for that long drop the connection.
  unsigned user_timeout = static_cast<unsigned>(timeout_ms);
  ::setsockopt(rx.fd(), IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
  int tx_fd = ::fcntl(rx.fd(), F_DUPFD_CLOEXEC, 0);
  if (tx_fd < 0) return failed(std::string("dup: ") + std::strerror(errno));
  {
    std::lock_guard lk(send_mu_);
    conn_ = net::Conn(tx_fd);
    gen_++;
    registered_ = true;
    if (stopping_) conn_.shutdown();
  }
  last_failure_.clear();
  log::info("registered with master {} as chunkserver {} ({} chunks; {})", where, rr.cs_id, reg.chunks.size(),
            rr.tokens ? "reads and writes need the master's chunk tokens"
                      : "chunk tokens are off at the master (CHUNK_TOKENS = 0): the data port serves anyone");
  flush_damaged();

  uint32_t type;
  std::string payload;
  for (;;) {
    if (!rx.recv(type, payload)) {
      if (!stopping_) log::warn("connection to master {} lost: {}{}", where, rx.last_error(), retry);
      break;
    }
    bool ok = true;
    handle(type, payload, &ok);
    if (!ok) {
      log::warn("master {}: undecodable message of type {}; reconnecting{}", where, type, retry);
      break;
    }
  }
  std::lock_guard lk(send_mu_);
  registered_ = false;
  conn_.close();
}

void MasterLink::handle(uint32_t type, const std::string& payload, bool* ok) {
  auto reply = [&](uint32_t op_id, uint64_t chunk_id, St st) {
    msg::CsOpStatus r;
    r.op_id = op_id;
    r.chunk_id = chunk_id;
    r.status = st;
    uint32_t v = 0;
    store_.lookup(chunk_id, &v, nullptr);
    r.version = v;
    send(r);
  };
  auto logged = [](const char* what, uint64_t id, St st) {
    if (st != St::kOk) log::info("{} chunk {:016X}: {}", what, id, to_string(st));
    return st;
  };
  switch (type) {
    case msg::CsTokenKey::kType: {
      msg::CsTokenKey m;
      if (!(*ok = net::decode(payload, m))) return;
      if (gate_) gate_->add(m.key);
      return;
    }
    case msg::CsCreate::kType: {
      msg::CsCreate m;
      if (!(*ok = net::decode(payload, m))) return;
      reply(m.op_id, m.chunk_id, logged("create", m.chunk_id, store_.create(m.chunk_id, m.version)));
      return;
    }
    case msg::CsDelete::kType: {
      msg::CsDelete m;
      if (!(*ok = net::decode(payload, m))) return;
      reply(m.op_id, m.chunk_id, logged("delete", m.chunk_id, store_.remove(m.chunk_id, m.version)));
      return;
    }
    case msg::CsSetVersion::kType: {
      msg::CsSetVersion m;
      if (!(*ok = net::decode(payload, m))) return;
      reply(m.op_id, m.chunk_id,
            logged("set version of", m.chunk_id, store_.set_version(m.chunk_id, m.version, m.new_version)));
      return;
    }
    case msg::CsTruncate::kType: {
      msg::CsTruncate m;
      if (!(*ok = net::decode(payload, m))) return;
      reply(m.op_id, m.chunk_id,
            logged("truncate", m.chunk_id, store_.truncate(m.chunk_id, m.version, m.new_version, m.length)));
      return;
    }
    case msg::CsDuplicate::kType: {
      msg::CsDuplicate m;
      if (!(*ok = net::decode(payload, m))) return;
      St st = store_.duplicate(m.chunk_id, m.version, m.new_chunk_id, m.new_version, m.length);
      reply(m.op_id, m.new_chunk_id, logged("duplicate", m.chunk_id, st));
      return;
    }
    case msg::CsReplicate::kType: {
      msg::CsReplicate m;
      if (!(*ok = net::decode(payload, m))) return;
      {
        std::lock_guard lk(mu_);
        replications_++;
      }
      uint64_t gen = gen_;
      std::thread([this, m, gen] { replicate(m, gen); }).detach();
      return;
    }
    default:
      // Possibly a command of a newer master: ignore it, keep the link.
      log::warn("master sent unknown message type {} ({} bytes), ignored", type, payload.size());
      return;
  }
}

void MasterLink::replicate(msg::CsReplicate r, uint64_t gen) {
  net::Conn c;
  {
    std::lock_guard lk(mu_);
    rep_conns_.insert(&c);
  }
  St st = fetch_chunk(store_, r.chunk_id, r.version, r.source, opts_.replicate_timeout_ms, &c, &stopping_, r.token);
  {
    std::lock_guard lk(mu_);
    rep_conns_.erase(&c);
  }
  if (st == St::kOk) log::info("chunk {:016X} v{} replicated from {}", r.chunk_id, r.version, net::to_string(r.source));
  else
    log::warn("chunk {:016X} v{}: replication from {} failed: {}", r.chunk_id, r.version, net::to_string(r.source),
              to_string(st));
  msg::CsOpStatus reply;
  reply.op_id = r.op_id;
  reply.chunk_id = r.chunk_id;
  reply.status = st;
  uint32_t v = 0;
  store_.lookup(r.chunk_id, &v, nullptr);
  reply.version = v;
  {
    std::lock_guard lk(send_mu_);
    // A reply for an earlier connection would confuse the master: it has our
    // full list from the new registration anyway.
    if (registered_ && gen_ == gen) conn_.send(reply);
  }
  std::lock_guard lk(mu_);
  if (--replications_ == 0) cv_.notify_all();
}

St MasterLink::fetch_chunk(ChunkStore& store, uint64_t chunk_id, uint32_t version, const msg::Location& source,
                           int timeout_ms, net::Conn* conn, const std::atomic<bool>* stop, const std::string& token) {
  net::Conn& c = *conn;
  if (!c.connect(source.ip, source.port, 5000)) return St::kDisconnected;
  if (stop && *stop) return St::kDisconnected;
  msg::Hello hello;
  hello.role = msg::kRoleChunkserver;
  hello.name = host_name();
  msg::HelloReply hr;
  if (!c.send(hello) || !c.recv_as(hr, timeout_ms)) return St::kDisconnected;
  if (hr.status != St::kOk) return hr.status;
  ChunkStore::Replica rep;
  St st = store.begin_replica(chunk_id, version, &rep);
  if (st != St::kOk) return st;
  msg::CsRead rd{chunk_id, version, 0, msg::kChunkSize, token};
  if (!c.send(rd)) return St::kDisconnected;
  uint32_t type;
  std::string payload;
  for (;;) {
    if (!c.recv(type, payload, timeout_ms, msg::kBlockSize + 4096)) return St::kDisconnected;
    if (type == msg::CsReadData::kType) {
      msg::CsReadData d;
      if (!net::decode(payload, d) || d.chunk_id != chunk_id) return St::kProtocol;
      if (crc32c(d.data.data(), d.data.size()) != d.crc) return St::kCrc;
      st = rep.write(d.offset, d.data.data(), static_cast<uint32_t>(d.data.size()));
      if (st != St::kOk) return st;
    } else if (type == msg::CsReadStatus::kType) {
      msg::CsReadStatus s;
      if (!net::decode(payload, s) || s.chunk_id != chunk_id) return St::kProtocol;
      if (s.status != St::kOk) return s.status;
      return rep.commit(s.chunk_length);
    } else {
      return St::kProtocol;
    }
  }
}

}  // namespace antler::cs
