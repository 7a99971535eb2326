#include "daemons/master/chunks/topology.h"

#include <fstream>
#include <sstream>

#include "common/parse.h"

namespace antler::master {

Result<Topology> Topology::parse(const std::string& text, const std::string& name) {
  Topology t;
  std::istringstream in(text);
  std::string line;
  for (int no = 1; std::getline(in, line); no++) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string addr, loc, extra;
    if (!(words >> addr)) continue;
    auto bad = [&](const std::string& why) { return Status::error(name + ":" + std::to_string(no) + ": " + why); };
    if (!(words >> loc)) return bad("'" + addr + "' has no location (ADDRESS LOCATION, e.g. 10.0.1.0/24 DC1|RACK1)");
    if (words >> extra) return bad("unexpected '" + extra + "' after the location");
    Line l;
    std::string why;
    if (!parse_ip_range(addr, &l.from, &l.to, &why)) return bad(why);
    for (size_t start = 0;;) {
      size_t bar = loc.find('|', start);
      std::string part = loc.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
      if (part.empty()) return bad("location '" + loc + "' has an empty element");
      l.path.push_back(part);
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    t.lines_.push_back(std::move(l));
  }
  return t;
}

Result<Topology> Topology::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Topology{};
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

const std::vector<std::string>& Topology::path_of(uint32_t ip) const {
  static const std::vector<std::string> kNone;
  for (auto it = lines_.rbegin(); it != lines_.rend(); ++it)
    if (ip >= it->from && ip <= it->to) return it->path;
  return kNone;
}

std::string Topology::location(uint32_t ip) const {
  std::string out;
  for (const std::string& p : path_of(ip)) out += (out.empty() ? "" : "|") + p;
  return out;
}

uint32_t Topology::distance(uint32_t a, uint32_t b) const {
  if (a == b) return 0;
  const auto& pa = path_of(a);
  const auto& pb = path_of(b);
  size_t common = 0;
  while (common < pa.size() && common < pb.size() && pa[common] == pb[common]) common++;
  if (common == pa.size() && common == pb.size()) return 1;
  return 1 + static_cast<uint32_t>(std::max(pa.size(), pb.size()) - common);
}

}  // namespace antler::master
