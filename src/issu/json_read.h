// JsonReader: typed, exception-free access to a JSON object from an untrusted file (manifests,
// message sets). Every wrong or missing member becomes a kCorruption Status that names its path
// ("manifest.files[0].sha256: expected a string"). Unknown members are ignored so that a newer
// writer's additions do not break an older reader.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace hitless::issu {

class JsonReader {
 public:
  JsonReader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  Result<std::string> string(const char* key) const;
  Result<bool> boolean(const char* key) const;
  Result<const nlohmann::json*> array(const char* key) const;
  bool has(const char* key) const { return j_.is_object() && j_.contains(key); }

  template <typename Int>
  Result<Int> integer(const char* key) const {
    ASSIGN_OR_RETURN(const nlohmann::json* v, member(key));
    if (!v->is_number_integer()) return typeError(key, "an integer");
    if (v->is_number_unsigned()) {
      auto u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<Int>::max())) return rangeError(key);
      return static_cast<Int>(u);
    }
    auto s = v->get<int64_t>();
    if (s < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
        (s > 0 &&
         static_cast<uint64_t>(s) > static_cast<uint64_t>(std::numeric_limits<Int>::max()))) {
      return rangeError(key);
    }
    return static_cast<Int>(s);
  }

 private:
  Result<const nlohmann::json*> member(const char* key) const;
  Status typeError(const char* key, const char* expected) const;
  Status rangeError(const char* key) const;

  const nlohmann::json& j_;
  std::string where_;
};

}  // namespace hitless::issu
