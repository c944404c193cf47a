// A directory under /tmp that exists for the life of the object and is removed with everything
// in it afterwards, pass or fail.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace hitless::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hitless-test-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace hitless::testing
