// The probe packet of the loss meter: a fixed little-endian header in a UDP payload.
//   u32 magic "HLOS" | u32 run_id | u64 sequence | u64 sent_ns | u64 start_ns | u32 flags
// sent_ns and start_ns are the sender's CLOCK_MONOTONIC, shared by every namespace of the host,
// so the receiver and the demo can place each packet on one time axis. The end marker (flag
// bit 0) carries the number of probes sent in `sequence` and is repeated a few times.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace hitless::loss {

inline constexpr uint32_t kMagic = 0x534f4c48;  // "HLOS"
inline constexpr size_t kHeaderSize = 36;
inline constexpr uint32_t kFlagEnd = 1;

struct Probe {
  uint32_t run_id = 0;
  uint64_t sequence = 0;
  uint64_t sent_ns = 0;
  uint64_t start_ns = 0;
  uint32_t flags = 0;
};

// Writes the header into buf (REQUIRES: kHeaderSize bytes).
inline void writeProbe(const Probe& p, char* buf) {
  uint32_t magic = kMagic;
  std::memcpy(buf, &magic, 4);
  std::memcpy(buf + 4, &p.run_id, 4);
  std::memcpy(buf + 8, &p.sequence, 8);
  std::memcpy(buf + 16, &p.sent_ns, 8);
  std::memcpy(buf + 24, &p.start_ns, 8);
  std::memcpy(buf + 32, &p.flags, 4);
}

// Returns nullopt for anything that is not a probe of this format (stray traffic is ignored).
inline std::optional<Probe> readProbe(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) return std::nullopt;
  uint32_t magic;
  std::memcpy(&magic, bytes.data(), 4);
  if (magic != kMagic) return std::nullopt;
  Probe p;
  std::memcpy(&p.run_id, bytes.data() + 4, 4);
  std::memcpy(&p.sequence, bytes.data() + 8, 8);
  std::memcpy(&p.sent_ns, bytes.data() + 16, 8);
  std::memcpy(&p.start_ns, bytes.data() + 24, 8);
  std::memcpy(&p.flags, bytes.data() + 32, 4);
  return p;
}

}  // namespace hitless::loss
