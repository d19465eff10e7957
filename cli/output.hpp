// What the client commands print: tables for people, JSON for scripts, and
// progress bars cut to the terminal's width.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace downhill::cli {

/// Makes stdout line-buffered even when it is a pipe, so that a CI log
/// shows each line as it is printed.
void line_buffered_stdout();

/// Columns to fit in: $COLUMNS if it is a positive number, else the
/// terminal's width (stdout, then stderr), else 80.
int terminal_width();

/// "LABEL [#####.....]  42%" in at most `width` characters: the bar
/// shrinks first (to 10), then the label is cut ("...").
std::string fit_bar(const std::string& label, int percent, int width);

/// Rows under a header, columns aligned with two spaces between them.
class table {
public:
  explicit table(std::vector<std::string> header);
  void add(std::vector<std::string> row);
  void print() const;  // to stdout
  bool empty() const { return rows_.empty(); }

private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

/// One JSON value on one line of stdout.
void print_json(const nlohmann::json& value);

/// A JSON field as text for a table: strings as they are, null as "-".
std::string text(const nlohmann::json& value);
/// 638 -> "638 ms", 5230 -> "5.2 s", 600000 -> "10m00s".
std::string duration(int64_t ms);

} // namespace downhill::cli
