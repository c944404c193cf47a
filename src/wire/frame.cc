#include "wire/frame.h"

namespace hitless::wire {
namespace {

void putU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}

void putU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint16_t getU16(ByteView b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) |
                               (static_cast<uint8_t>(b[at + 1]) << 8));
}

uint32_t getU32(ByteView b, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(b[at + i])) << (8 * i);
  return v;
}

}  // namespace

void appendFrame(std::string* out, uint16_t client_id, uint16_t msg_type, uint16_t version,
                 ByteView payload, uint16_t flags) {
  out->reserve(out->size() + kFrameHeaderSize + payload.size());
  putU16(out, client_id);
  putU16(out, msg_type);
  putU16(out, version);
  putU16(out, flags);
  putU32(out, static_cast<uint32_t>(payload.size()));
  out->append(payload);
}

Result<std::optional<Frame>> parseFrame(ByteView buf, uint32_t max_payload) {
  if (buf.size() < kFrameHeaderSize) return std::optional<Frame>();
  Frame f;
  f.header.client_id = getU16(buf, 0);
  f.header.msg_type = getU16(buf, 2);
  f.header.version = getU16(buf, 4);
  f.header.flags = getU16(buf, 6);
  f.header.payload_length = getU32(buf, 8);
  if (f.header.version == 0) {
    return Status::corruption("frame for client " + std::to_string(f.header.client_id) + " type " +
                              std::to_string(f.header.msg_type) + " has version 0");
  }
  if (f.header.payload_length > max_payload) {
    return Status::corruption("frame payload of " + std::to_string(f.header.payload_length) +
                              " bytes exceeds the limit of " + std::to_string(max_payload));
  }
  if (buf.size() - kFrameHeaderSize < f.header.payload_length) return std::optional<Frame>();
  f.payload = buf.substr(kFrameHeaderSize, f.header.payload_length);
  return std::optional<Frame>(f);
}

}  // namespace hitless::wire
