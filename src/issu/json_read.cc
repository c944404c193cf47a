#include "issu/json_read.h"

namespace hitless::issu {

Result<const nlohmann::json*> JsonReader::member(const char* key) const {
  if (!j_.is_object()) return Status::corruption(where_ + ": expected an object");
  auto it = j_.find(key);
  if (it == j_.end()) return Status::corruption(where_ + "." + key + ": missing");
  return &*it;
}

Status JsonReader::typeError(const char* key, const char* expected) const {
  return Status::corruption(where_ + "." + key + ": expected " + expected);
}

Status JsonReader::rangeError(const char* key) const {
  return Status::corruption(where_ + "." + key + ": out of range");
}

Result<std::string> JsonReader::string(const char* key) const {
  ASSIGN_OR_RETURN(const nlohmann::json* v, member(key));
  if (!v->is_string()) return typeError(key, "a string");
  return v->get<std::string>();
}

Result<bool> JsonReader::boolean(const char* key) const {
  ASSIGN_OR_RETURN(const nlohmann::json* v, member(key));
  if (!v->is_boolean()) return typeError(key, "true or false");
  return v->get<bool>();
}

Result<const nlohmann::json*> JsonReader::array(const char* key) const {
  ASSIGN_OR_RETURN(const nlohmann::json* v, member(key));
  if (!v->is_array()) return typeError(key, "an array");
  return v;
}

}  // namespace hitless::issu
