// A small record kept as two copies (PATH, then PATH.bak, each replaced crash-consistently), as
// the ISSU and install records are: a copy torn or corrupted by a crash is recovered exactly from
// the other. A copy that does not parse is set aside as PATH[.bak].corrupt, never half-used.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hitless {

// Writes `content` to `path` and then to `path`.bak.
Status writeTwoCopies(const std::string& path, std::string_view content);

struct TwoCopyLoad {
  std::optional<std::string> content;  // the first copy `accept` took; none if neither did
  // "<why> in <path>; moved to <path>.corrupt" for each copy that was set aside.
  std::vector<std::string> set_aside;
};

// Reads `path`, else `path`.bak; `accept` returns an error for a copy that is not good.
TwoCopyLoad readTwoCopies(const std::string& path,
                          const std::function<Status(const std::string&)>& accept);

}  // namespace hitless
