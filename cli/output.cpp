#include "cli/output.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace downhill::cli {

void line_buffered_stdout() {
  // std::cout writes through C's stdout (synced with stdio), whose buffer
  // is a full block when it is not a terminal.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
}

int terminal_width() {
  if (auto* columns = std::getenv("COLUMNS")) {
    char* end = nullptr;
    long value = std::strtol(columns, &end, 10);
    if (end != columns && *end == '\0' && value > 0 && value < 10000)
      return static_cast<int>(value);
  }
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    winsize size{};
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
      return size.ws_col;
  }
  return 80;
}

std::string fit_bar(const std::string& label, int percent, int width) {
  percent = std::clamp(percent, 0, 100);
  auto number = std::to_string(percent) + "%";
  number = std::string(4 - number.size(), ' ') + number;  // " 42%"
  constexpr int widest_bar = 24;
  constexpr int narrowest_bar = 10;
  // LABEL + " [" + bar + "] " + number
  int frame = 4 + static_cast<int>(number.size());
  if (width < frame + narrowest_bar)
    return number.substr(number.find_first_not_of(' '))
      .substr(0, static_cast<size_t>(std::max(width, 0)));
  int room = width - frame;  // for the label and the bar
  int bar = std::clamp(room - static_cast<int>(label.size()), narrowest_bar,
                       widest_bar);
  std::string shown = label;
  int label_room = room - bar;
  if (static_cast<int>(shown.size()) > label_room)
    shown = label_room > 3
              ? shown.substr(0, static_cast<size_t>(label_room - 3)) + "..."
              : shown.substr(0, static_cast<size_t>(label_room));
  int filled = percent * bar / 100;
  return shown + " [" + std::string(static_cast<size_t>(filled), '#')
         + std::string(static_cast<size_t>(bar - filled), '.') + "] "
         + number;
}

table::table(std::vector<std::string> header) : header_(std::move(header)) {}

void table::add(std::vector<std::string> row) {
  row.resize(header_.size());
  rows_.push_back(std::move(row));
}

void table::print() const {
  std::vector<size_t> widths;
  for (auto& cell : header_)
    widths.push_back(cell.size());
  for (auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size())
        out += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    std::cout << out << "\n";
  };
  line(header_);
  for (auto& row : rows_)
    line(row);
  std::cout.flush();
}

void print_json(const nlohmann::json& value) {
  std::cout << value.dump() << "\n";
}

std::string text(const nlohmann::json& value) {
  if (value.is_null())
    return "-";
  if (value.is_string())
    return value.get<std::string>();
  return value.dump();
}

std::string duration(int64_t ms) {
  if (ms < 1000)
    return std::to_string(ms) + " ms";
  if (ms < 60'000) {
    auto tenths = ms / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10)
           + " s";
  }
  auto seconds = ms / 1000;
  auto rest = std::to_string(seconds % 60);
  return std::to_string(seconds / 60) + "m" + (rest.size() < 2 ? "0" : "")
         + rest + "s";
}

} // namespace downhill::cli
