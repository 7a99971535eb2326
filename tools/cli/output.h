// mfscli's output: tables and the way numbers and times are shown in them.
// On a terminal a table is framed, with a header; otherwise it is MooseFS's
// plain form, one line per row: "title:" then the fields, separated by tabs
// (or -s SEP).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace antler::tools::cli {

struct Style {
  bool tty = false;        // framed tables and readable numbers
  std::string sep = "\t";  // between the fields of a plain row
};

std::string num(uint64_t v);
// "512 B", "1.5 KiB", "20 GiB": one decimal below 10.
std::string human(uint64_t v);
// A byte count: human() on a terminal, num() otherwise.
std::string bytes_text(uint64_t v, bool tty);
// A time as ctime prints it, in local time ("Wed Dec  2 18:25:50 2026").
std::string ctime_text(int64_t seconds);

class Table {
 public:
  Table(std::string title, std::vector<std::string> header) : title_(std::move(title)), header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Prints the table to stdout: framed when style.tty, else plain rows.
  void print(const Style& style) const;

 private:
  std::string title_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace antler::tools::cli
