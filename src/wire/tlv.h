// The payload encoding of every versioned hitless message: a sequence of fields, each
//   varint tag | varint length | length bytes of value
// Tags are >= 1 and, once shipped, never reused (see docs/message-format.md). A reader skips tags
// it does not know, so an older image can read a newer message. Unsigned integers are stored as
// a varint inside the value; nested records are TLV again.
//
// TlvWriter emits fields in the order they are added; callers add them in ascending tag order so
// that encoding is canonical (encode -> decode -> encode is byte-identical).
// TlvReader never reads outside the view it was given and reports malformed input as kCorruption.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hitless::wire {

using ByteView = std::string_view;  // raw bytes; std::string is the owning buffer

inline constexpr size_t kMaxVarintBytes = 10;

// Appends the LEB128 encoding of v (1..10 bytes).
void appendVarint(std::string* out, uint64_t v);
size_t varintSize(uint64_t v);

// Decodes a varint at *pos in `in`, advancing *pos. Rejects truncation, more than 10 bytes and
// values over 64 bits.
Result<uint64_t> readVarint(ByteView in, size_t* pos);

class TlvWriter {
 public:
  explicit TlvWriter(std::string* out) : out_(out) {}

  void addUint(uint32_t tag, uint64_t v);
  void addBytes(uint32_t tag, ByteView bytes);
  // Starts a nested record; returns the offset to pass to endNested. Nested records reserve
  // a fixed 5-byte length so that the body can be written in place.
  size_t beginNested(uint32_t tag);
  void endNested(size_t token);

 private:
  std::string* out_;
};

struct TlvField {
  uint32_t tag = 0;
  ByteView value;

  // Interprets the value as an unsigned varint that must fill it exactly and fit in `max`.
  Result<uint64_t> asUint(uint64_t max = UINT64_MAX) const;
};

class TlvReader {
 public:
  explicit TlvReader(ByteView payload) : in_(payload) {}

  // Reads the next field into *field. Returns false at the clean end of input, an error for a
  // truncated or malformed field.
  Result<bool> next(TlvField* field);
  size_t offset() const { return pos_; }

 private:
  ByteView in_;
  size_t pos_ = 0;
};

}  // namespace hitless::wire
