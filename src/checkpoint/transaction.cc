#include "checkpoint/transaction.h"

#include <algorithm>
#include <tuple>

#include "wire/frame.h"

namespace hitless::checkpoint {
namespace {

constexpr size_t kFlagsOffset = 6;  // of the frame header

bool before(const WirePlan::Entry& a, const WirePlan::Entry& b) {
  return std::tie(a.client, a.type) < std::tie(b.client, b.type);
}

}  // namespace

WirePlan::WirePlan(const issu::MessageCatalog& catalog, const issu::NegotiationResult& negotiation)
    : catalog_(catalog) {
  for (const auto& client : catalog.messageSet().clients) {
    for (const auto& m : client.messages) {
      auto version = negotiation.versionFor(client.id, m.type);
      if (version) entries_.push_back({client.id, m.type, *version, m.max_version});
    }
  }
  std::sort(entries_.begin(), entries_.end(), before);
}

const WirePlan::Entry* WirePlan::find(uint16_t client, uint16_t type) const {
  Entry key{client, type, 0, 0};
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key, before);
  if (it == entries_.end() || it->client != client || it->type != type) return nullptr;
  return &*it;
}

bool WirePlan::carries(uint16_t client) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return e.client == client; });
}

std::string& Transaction::scratch() {
  static thread_local std::string buffer;
  return buffer;
}

void Transaction::appendFrame(const WirePlan::Entry& e, const std::string& native_payload) {
  if (!error_.isOk()) return;
  last_frame_ = frames_.size();
  if (e.wire == e.native) {
    wire::appendFrame(&frames_, e.client, e.type, e.wire, native_payload);
  } else {
    auto converted = plan_->catalog().convert(e.client, e.type, native_payload, e.native, e.wire);
    if (!converted.isOk()) {
      error_ = converted.status().withContext("client " + std::to_string(e.client) + " message " +
                                              std::to_string(e.type));
      return;
    }
    wire::appendFrame(&frames_, e.client, e.type, e.wire, *converted);
    ++transforms_;
  }
  ++messages_;
}

std::string Transaction::takeFrames() {
  frames_[last_frame_ + kFlagsOffset] |= static_cast<char>(wire::kFlagEndOfTransaction);
  messages_ = 0;
  return std::move(frames_);
}

}  // namespace hitless::checkpoint
