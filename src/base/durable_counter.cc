#include "base/durable_counter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hitless {

namespace {

constexpr uint32_t kMagic = 0x43444c48;  // "HLDC"
constexpr size_t kSlotSize = 512;        // one sector: a store never spans two
constexpr size_t kRecordSize = 28;

uint32_t checksum(const unsigned char* p, size_t n) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

void encode(uint64_t sequence, uint64_t value, unsigned char* out) {
  std::memset(out, 0, kSlotSize);
  std::memcpy(out, &kMagic, 4);
  std::memcpy(out + 4, &sequence, 8);
  std::memcpy(out + 12, &value, 8);
  uint32_t zero = 0;
  std::memcpy(out + 20, &zero, 4);
  uint32_t sum = checksum(out, 24);
  std::memcpy(out + 24, &sum, 4);
}

bool decode(const unsigned char* in, uint64_t* sequence, uint64_t* value) {
  uint32_t magic, sum;
  std::memcpy(&magic, in, 4);
  std::memcpy(&sum, in + 24, 4);
  if (magic != kMagic || sum != checksum(in, 24)) return false;
  std::memcpy(sequence, in + 4, 8);
  std::memcpy(value, in + 12, 8);
  return true;
}

Status errnoStatus(const std::string& what, const std::string& path) {
  return Status::ioError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<DurableCounter>> DurableCounter::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errnoStatus("cannot open", path);
  std::unique_ptr<DurableCounter> c(new DurableCounter(fd, path));
  unsigned char buf[2 * kSlotSize];
  ssize_t n = ::pread(fd, buf, sizeof(buf), 0);
  if (n < 0) return errnoStatus("cannot read", path);
  if (static_cast<size_t>(n) < sizeof(buf)) {
    // New (or short) file: allocate both slots now so a store never changes the file's size.
    std::memset(buf + n, 0, sizeof(buf) - static_cast<size_t>(n));
    if (::pwrite(fd, buf, sizeof(buf), 0) != static_cast<ssize_t>(sizeof(buf)) ||
        ::fsync(fd) != 0) {
      return errnoStatus("cannot preallocate", path);
    }
  }
  for (size_t slot = 0; slot < 2; ++slot) {
    uint64_t seq, value;
    if (decode(buf + slot * kSlotSize, &seq, &value) && seq >= c->sequence_) {
      c->sequence_ = seq;
      c->value_ = value;
    }
  }
  static_assert(kRecordSize <= kSlotSize);
  return c;
}

DurableCounter::~DurableCounter() { ::close(fd_); }

Status DurableCounter::store(uint64_t value) {
  unsigned char slot[kSlotSize];
  uint64_t seq = sequence_ + 1;
  encode(seq, value, slot);
  off_t offset = static_cast<off_t>((seq % 2) * kSlotSize);
  if (::pwrite(fd_, slot, kSlotSize, offset) != static_cast<ssize_t>(kSlotSize)) {
    return errnoStatus("cannot write", path_);
  }
  if (::fdatasync(fd_) != 0) return errnoStatus("cannot sync", path_);
  sequence_ = seq;
  value_ = value;
  return Status::ok();
}

}  // namespace hitless
