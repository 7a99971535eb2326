// The chunk ids of one file, by 64 MiB slot (0: a hole).
//
// Most files are dense: a plain vector of ids, one per slot up to the last
// slot written. A file with a far hole would make that vector as long as
// the file (one chunk written at slot 2^26-1, which anyone allowed to write
// a file can do, would take 512 MiB), so such a table keeps (slot, id)
// pairs instead: its memory and the work on it follow its chunks, never its
// length. Both forms live in one vector of the same 24 bytes (the namespace
// holds one table per file); a sparse table's first element is kSparse,
// which no chunk id reaches. docs/decisions/0022-sparse-chunk-tables.md.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace antler::master {

class ChunkTable {
 public:
  // One past the last slot that may hold a chunk: every slot from here on is
  // a hole. (A dense table may end in holes; this counts them.)
  uint64_t slots() const {
    if (!sparse()) return v_.size();
    return v_.size() > 1 ? v_[v_.size() - 2] + 1 : 0;
  }

  uint64_t at(uint64_t slot) const {
    if (!sparse()) return slot < v_.size() ? v_[slot] : 0;
    size_t i = find(slot);
    return i < pairs() && v_[1 + 2 * i] == slot ? v_[2 + 2 * i] : 0;
  }

  // Sets one slot; id 0 makes it a hole.
  void set(uint64_t slot, uint64_t id) {
    if (!sparse()) {
      if (slot < v_.size()) {
        v_[slot] = id;
        return;
      }
      if (id == 0) return;
      // Growing past the vector's capacity (which costs a copy of it
      // anyway): stay dense only while that takes at most kSlack times what
      // pairs would.
      if (slot + 1 > v_.capacity() && too_sparse(slot + 1, count() + 1)) {
        to_sparse();
      } else {
        v_.resize(slot + 1, 0);
        v_[slot] = id;
        return;
      }
    }
    size_t i = find(slot);
    bool found = i < pairs() && v_[1 + 2 * i] == slot;
    if (found && id != 0) {
      v_[2 + 2 * i] = id;
      return;
    }
    if (found) {
      v_.erase(v_.begin() + static_cast<ptrdiff_t>(1 + 2 * i), v_.begin() + static_cast<ptrdiff_t>(3 + 2 * i));
    } else if (id != 0) {
      uint64_t pair[2] = {slot, id};
      v_.insert(v_.begin() + static_cast<ptrdiff_t>(1 + 2 * i), pair, pair + 2);
    }
    maybe_dense();
  }

  // Drops every slot from `slots` on (the caller releases their chunks).
  void truncate(uint64_t slots) {
    if (!sparse()) {
      if (slots < v_.size()) v_.resize(slots);
      return;
    }
    size_t i = find(slots);
    v_.resize(1 + 2 * i);
    maybe_dense();
  }

  // f(slot, id) for every chunk (holes skipped) from slot `first` on, in
  // slot order.
  template <class F>
  void for_each(F&& f, uint64_t first = 0) const {
    if (!sparse()) {
      for (size_t i = first; i < v_.size(); i++)
        if (v_[i] != 0) f(uint64_t{i}, v_[i]);
      return;
    }
    for (size_t i = find(first); i < pairs(); i++) f(v_[1 + 2 * i], v_[2 + 2 * i]);
  }

  // Chunks, holes not counted.
  uint64_t count() const {
    if (sparse()) return pairs();
    return static_cast<uint64_t>(v_.size() - static_cast<size_t>(std::count(v_.begin(), v_.end(), uint64_t{0})));
  }

  bool sparse() const { return !v_.empty() && v_[0] == kSparse; }

  // The image's two forms: the dense vector (empty when sparse), and the
  // pairs flattened as slot, id, slot, id… (empty when dense).
  const std::vector<uint64_t>& dense() const { return sparse() ? empty_ : v_; }
  std::vector<uint64_t> flat_pairs() const {
    return sparse() ? std::vector<uint64_t>(v_.begin() + 1, v_.end()) : std::vector<uint64_t>{};
  }

  // Loads a dense vector as it was saved; one far sparser than the rule
  // above allows (an image of an older master) becomes pairs.
  void assign_dense(std::vector<uint64_t> v) {
    v_ = std::move(v);
    if (too_sparse(v_.size(), count())) to_sparse();
  }

 private:
  static constexpr uint64_t kSparse = ~uint64_t{0};
  static constexpr uint64_t kSmall = 512;  // slots: a table this short stays dense
  static constexpr uint64_t kSlack = 4;

  static uint64_t dense_bytes(uint64_t slots) { return slots * 8; }
  static uint64_t pair_bytes(uint64_t chunks) { return (1 + 2 * chunks) * 8; }
  static bool too_sparse(uint64_t slots, uint64_t chunks) {
    return slots > kSmall && dense_bytes(slots) > kSlack * pair_bytes(chunks);
  }

  size_t pairs() const { return (v_.size() - 1) / 2; }

  // The index of the first pair whose slot is >= slot.
  size_t find(uint64_t slot) const {
    size_t lo = 0, hi = pairs();
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (v_[1 + 2 * mid] < slot) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  void to_sparse() {
    std::vector<uint64_t> p;
    p.reserve(pair_bytes(count()) / 8);
    p.push_back(kSparse);
    for (size_t i = 0; i < v_.size(); i++)
      if (v_[i] != 0) p.insert(p.end(), {uint64_t{i}, v_[i]});
    v_ = std::move(p);
  }

  // Back to a vector once that is no bigger than the pairs.
  void maybe_dense() {
    if (dense_bytes(slots()) > pair_bytes(pairs())) return;
    std::vector<uint64_t> d(slots(), 0);
    for (size_t i = 0; i < pairs(); i++) d[v_[1 + 2 * i]] = v_[2 + 2 * i];
    v_ = std::move(d);
  }

  std::vector<uint64_t> v_;
  static inline const std::vector<uint64_t> empty_{};
};

}  // namespace antler::master
