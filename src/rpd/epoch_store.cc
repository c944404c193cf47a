#include "rpd/epoch_store.h"

#include <algorithm>

#include "base/file_util.h"
#include "base/log.h"

namespace hitless::rpd {
namespace {

uint64_t readTextEpoch(const std::string& dir) {
  auto text = readFile(dir + "/epoch", 64);
  if (!text.isOk()) return 0;
  try {
    return std::stoull(*text);
  } catch (...) {
    return 0;  // a torn or foreign file: start from 0, peers' higher epochs still win
  }
}

}  // namespace

EpochStore::EpochStore(event::EventLoop& loop, std::string dir)
    : loop_(loop), dir_(std::move(dir)) {
  if (dir_.empty()) return;
  auto c = DurableCounter::open(dir_ + "/epoch.rec");
  if (!c.isOk()) {
    logEvent("RF", Severity::kError, "EPOCH_RECORD_FAILED", c.status().message());
    return;
  }
  record_ = std::move(*c);
}

EpochStore::~EpochStore() { *alive_ = false; }

uint64_t EpochStore::load() const {
  if (dir_.empty()) return 0;
  return std::max(readTextEpoch(dir_), record_ ? record_->value() : 0);
}

void EpochStore::persist(uint64_t epoch) {
  if (dir_.empty()) return;
  Status s = record_ ? record_->store(epoch) : Status::ioError("no epoch record in " + dir_);
  if (!s.isOk()) logEvent("RF", Severity::kError, "EPOCH_PERSIST_FAILED", s.message());
  std::string path = dir_ + "/epoch";
  loop_.addTimer(0, [alive = alive_, path, epoch] {
    if (!*alive) return;
    Status t = writeFileAtomic(path, std::to_string(epoch) + "\n");
    if (!t.isOk()) logEvent("RF", Severity::kError, "EPOCH_PERSIST_FAILED", t.message());
  });
}

}  // namespace hitless::rpd
