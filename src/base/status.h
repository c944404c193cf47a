// Status and Result<T>: how every hitless library reports an expected failure.
//
// Contract: functions at a module edge return Status or Result<T> instead of throwing. A Status
// carries a kind (StatusCode) and a one-line message meant for an operator. Corrupt input is
// kCorruption and never a crash; only broken invariants abort. Both types are [[nodiscard]].
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hitless {

// Numbers are stable: they appear in JSON output and exit reasons.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,     // the caller's input is wrong (CLI word, option value)
  kCorruption = 2,          // bytes on a wire or disk are malformed
  kNotFound = 3,            // a file, client, message type or key does not exist
  kIoError = 4,             // the OS refused (open, read, write, rename)
  kPermissionDenied = 5,    // signature, key or access check failed
  kFailedPrecondition = 6,  // valid request, wrong state
  kAlreadyExists = 7,       // would overwrite something the operator did not ask to lose
  kUnimplemented = 8,       // a version or feature this image does not know
  kInternal = 9,            // a bug: an invariant did not hold
};

std::string_view statusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status notFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status ioError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status permissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status failedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status alreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool isOk() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: truncated field at offset 12"
  std::string toString() const;

  // Returns a copy whose message is "context: message"; the code is kept.
  Status withContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool isOk() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !isOk() for a meaningful status; returns OK when a value is held.
  Status status() const { return isOk() ? Status::ok() : std::get<Status>(v_); }

  // REQUIRES: isOk().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace hitless

#define HITLESS_CONCAT_INNER(a, b) a##b
#define HITLESS_CONCAT(a, b) HITLESS_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::hitless::Status hitless_status_ = (expr);          \
    if (!hitless_status_.isOk()) return hitless_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, f());` — binds the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(HITLESS_CONCAT(hitless_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.isOk()) return tmp.status();       \
  lhs = std::move(tmp).value()
