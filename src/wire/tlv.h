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

  // Small fields (one-byte tag, length and value: most of them) are pushed byte by byte inline —
  // a route is encoded twice per checkpointed change (wire and digest), and a library append
  // call per 3-byte field was a fifth of the active's time.
  void addUint(uint32_t tag, uint64_t v) {
    if (tag < 0x80 && v < 0x80) {
      out_->push_back(static_cast<char>(tag));
      out_->push_back(1);
      out_->push_back(static_cast<char>(v));
      return;
    }
    addUintSlow(tag, v);
  }
  void addBytes(uint32_t tag, ByteView bytes);
  // Starts a nested record; returns the offset to pass to endNested. Nested records reserve
  // a fixed 5-byte length so that the body can be written in place.
  size_t beginNested(uint32_t tag);
  void endNested(size_t token);

 private:
  void addUintSlow(uint32_t tag, uint64_t v);

  std::string* out_;
};

struct TlvField {
  uint32_t tag = 0;
  ByteView value;

  // Interprets the value as an unsigned varint that must fill it exactly and fit in `max`.
  Result<uint64_t> asUint(uint64_t max = UINT64_MAX) const {
    // Most integers on the wire are one byte: decoded here, inline; the rest out of line.
    if (value.size() == 1 && static_cast<uint8_t>(value[0]) < 0x80 &&
        static_cast<uint8_t>(value[0]) <= max) {
      return static_cast<uint64_t>(static_cast<uint8_t>(value[0]));
    }
    return asUintSlow(max);
  }

 private:
  Result<uint64_t> asUintSlow(uint64_t max) const;
};

class TlvReader {
 public:
  explicit TlvReader(ByteView payload) : in_(payload) {}

  // Reads the next field into *field. Returns false at the clean end of input, an error for a
  // truncated or malformed field.
  Result<bool> next(TlvField* field) {
    if (pos_ == in_.size()) return false;
    // The common field — a one-byte tag and a one-byte length — inline; the rest out of line.
    if (in_.size() - pos_ >= 2) {
      const auto tag = static_cast<uint8_t>(in_[pos_]);
      const auto len = static_cast<uint8_t>(in_[pos_ + 1]);
      if (tag != 0 && tag < 0x80 && len < 0x80 && len <= in_.size() - pos_ - 2) {
        field->tag = tag;
        field->value = in_.substr(pos_ + 2, len);
        pos_ += 2 + len;
        return true;
      }
    }
    return nextSlow(field);
  }
  size_t offset() const { return pos_; }

 private:
  Result<bool> nextSlow(TlvField* field);

  ByteView in_;
  size_t pos_ = 0;
};

}  // namespace hitless::wire
