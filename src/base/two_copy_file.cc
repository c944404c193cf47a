#include "base/two_copy_file.h"

#include <filesystem>

#include "base/file_util.h"

namespace hitless {

Status writeTwoCopies(const std::string& path, std::string_view content) {
  RETURN_IF_ERROR(writeFileAtomic(path, content));
  return writeFileAtomic(path + ".bak", content);
}

TwoCopyLoad readTwoCopies(const std::string& path,
                          const std::function<Status(const std::string&)>& accept) {
  TwoCopyLoad load;
  for (const std::string& copy : {path, path + ".bak"}) {
    if (!pathExists(copy)) continue;
    auto text = readFile(copy);
    Status good = text.isOk() ? accept(*text) : text.status();
    if (good.isOk()) {
      load.content = *text;
      return load;
    }
    std::error_code ec;
    std::filesystem::rename(copy, copy + ".corrupt", ec);
    load.set_aside.push_back(good.message() + " in " + copy + "; moved to " + copy + ".corrupt");
  }
  return load;
}

}  // namespace hitless
