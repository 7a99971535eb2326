// mfstopology.cfg: where chunkservers and clients sit in the network, as
// MooseFS describes it. One line per address group:
//   ADDRESS LOCATION
//   ADDRESS:  *  |  a.b.c.d  |  a.b.c.d/BITS  |  a.b.c.d/m.m.m.m  |  a.b.c.d-e.f.g.h
//   LOCATION: a path of names separated by '|' (US|CHICAGO|ROW3|RACK1), or a
//             number (a rack id)
// The last line that matches an address wins; an address no line matches is
// at the empty location. Distance between two addresses: 0 when equal, 1 at
// the same location, otherwise 1 + the larger number of path elements left
// on either side after their common start.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace antler::master {

class Topology {
 public:
  // A missing file is an empty topology (as in MooseFS, the file is
  // optional). On a malformed line returns the error "FILE:LINE: reason".
  static Result<Topology> load(const std::string& path);
  static Result<Topology> parse(const std::string& text, const std::string& name);

  // The location of ip, its elements joined by '|' ("" when none).
  std::string location(uint32_t ip) const;
  uint32_t distance(uint32_t a, uint32_t b) const;
  size_t size() const { return lines_.size(); }

 private:
  struct Line {
    uint32_t from = 0, to = 0;
    std::vector<std::string> path;
  };
  const std::vector<std::string>& path_of(uint32_t ip) const;
  std::vector<Line> lines_;
};

}  // namespace antler::master
