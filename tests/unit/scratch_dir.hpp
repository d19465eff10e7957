// A temporary directory of a test's own, removed at the end.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace downhill::testing {

struct scratch_dir {
  scratch_dir() {
    std::string pattern = (std::filesystem::temp_directory_path()
                           / "dh-unit-XXXXXX")
                            .string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  std::filesystem::path path;
};

} // namespace downhill::testing
