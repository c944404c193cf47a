#include "wire/tlv.h"

namespace hitless::wire {

namespace {

// Writes v at p (room for kMaxVarintBytes); returns the bytes written.
inline size_t putVarint(char* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<char>(v);
  return n;
}

}  // namespace

// Encoding is on every checkpoint's hot path: one append per field, not one per byte.
void appendVarint(std::string* out, uint64_t v) {
  if (v < 0x80) {
    out->push_back(static_cast<char>(v));
    return;
  }
  char buf[kMaxVarintBytes];
  out->append(buf, putVarint(buf, v));
}

size_t varintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

Result<uint64_t> readVarint(ByteView in, size_t* pos) {
  uint64_t v = 0;
  for (size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (*pos >= in.size())
      return Status::corruption("truncated varint at offset " + std::to_string(*pos));
    uint8_t b = static_cast<uint8_t>(in[*pos]);
    ++*pos;
    if (i == kMaxVarintBytes - 1 && b > 1) {
      return Status::corruption("varint overflows 64 bits at offset " + std::to_string(*pos - 1));
    }
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return v;
  }
  return Status::corruption("varint longer than 10 bytes at offset " + std::to_string(*pos));
}

void TlvWriter::addUintSlow(uint32_t tag, uint64_t v) {
  char buf[3 * kMaxVarintBytes];
  size_t n = putVarint(buf, tag);
  n += putVarint(buf + n, varintSize(v));
  n += putVarint(buf + n, v);
  out_->append(buf, n);
}

void TlvWriter::addBytes(uint32_t tag, ByteView bytes) {
  char buf[2 * kMaxVarintBytes];
  size_t n = putVarint(buf, tag);
  n += putVarint(buf + n, bytes.size());
  out_->append(buf, n);
  out_->append(bytes);
}

size_t TlvWriter::beginNested(uint32_t tag) {
  appendVarint(out_, tag);
  size_t token = out_->size();
  out_->append(5, '\0');
  return token;
}

void TlvWriter::endNested(size_t token) {
  uint64_t len = out_->size() - token - 5;
  // A padded (non-minimal but valid) 5-byte varint: continuation bits on the first four.
  for (int i = 0; i < 5; ++i) {
    uint8_t b = static_cast<uint8_t>((len >> (7 * i)) & 0x7f);
    if (i < 4) b |= 0x80;
    (*out_)[token + i] = static_cast<char>(b);
  }
}

Result<uint64_t> TlvField::asUintSlow(uint64_t max) const {
  size_t pos = 0;
  ASSIGN_OR_RETURN(uint64_t v, readVarint(value, &pos));
  if (pos != value.size()) {
    return Status::corruption("field " + std::to_string(tag) + ": integer does not fill its value");
  }
  if (v > max) {
    return Status::corruption("field " + std::to_string(tag) + ": value " + std::to_string(v) +
                              " exceeds " + std::to_string(max));
  }
  return v;
}

Result<bool> TlvReader::nextSlow(TlvField* field) {
  size_t start = pos_;
  ASSIGN_OR_RETURN(uint64_t tag, readVarint(in_, &pos_));
  if (tag == 0 || tag > UINT32_MAX) {
    return Status::corruption("invalid field tag " + std::to_string(tag) + " at offset " +
                              std::to_string(start));
  }
  ASSIGN_OR_RETURN(uint64_t len, readVarint(in_, &pos_));
  if (len > in_.size() - pos_) {
    return Status::corruption("field " + std::to_string(tag) + " at offset " +
                              std::to_string(start) + " claims " + std::to_string(len) +
                              " bytes, " + std::to_string(in_.size() - pos_) + " remain");
  }
  field->tag = static_cast<uint32_t>(tag);
  field->value = in_.substr(pos_, len);
  pos_ += len;
  return true;
}

}  // namespace hitless::wire
