// The envelope of one versioned message on a hitless channel (checkpoint stream, fwdd socket,
// control socket). Layout, little-endian, 12 bytes then the payload (docs/message-format.md):
//
//   u16 client_id | u16 msg_type | u16 version | u16 flags | u32 payload_length | payload
//
// `flags` bits not defined by this image are ignored (a newer peer may set them). A frame whose
// payload_length exceeds the reader's limit is rejected before any byte of it is buffered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "wire/tlv.h"

namespace hitless::wire {

inline constexpr size_t kFrameHeaderSize = 12;
inline constexpr uint32_t kDefaultMaxPayload = 16u << 20;  // 16 MiB
// Frame flag: last frame of a checkpoint transaction (docs/message-format.md).
inline constexpr uint16_t kFlagEndOfTransaction = 0x0001;

struct FrameHeader {
  uint16_t client_id = 0;
  uint16_t msg_type = 0;
  uint16_t version = 0;
  uint16_t flags = 0;
  uint32_t payload_length = 0;

  bool operator==(const FrameHeader&) const = default;
};

struct Frame {
  FrameHeader header;
  ByteView payload;  // points into the buffer given to parseFrame
};

// Appends header (with payload_length = payload.size()) and payload to *out.
void appendFrame(std::string* out, uint16_t client_id, uint16_t msg_type, uint16_t version,
                 ByteView payload, uint16_t flags = 0);

// Parses the frame at the start of `buf`. Returns std::nullopt when `buf` holds only part of a
// frame (read more), a Frame when complete, kCorruption when the length exceeds max_payload or
// version is 0.
Result<std::optional<Frame>> parseFrame(ByteView buf, uint32_t max_payload = kDefaultMaxPayload);

}  // namespace hitless::wire
