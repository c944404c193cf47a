// ConfigClient: the running configuration ("path = value" items), ISSU CONFIG SYNC (client 4).
//
// The active changes it through set(): watchers of a subtree ("bgp.") validate the whole
// configuration as it would be before anything changes, and hear of the change after; the item
// is checkpointed, and the request answers once a standby in sync acknowledged it. Counted bulk
// (every item), digest over the items. A cold takeover starts again from the startup
// configuration.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkpoint/checkpoint_client.h"
#include "checkpoint/standby_link.h"
#include "messages/session_messages.h"
#include "rpd/change_result.h"
#include "state/rib.h"

namespace hitless::rpd {

class ConfigClient : public checkpoint::CheckpointClient {
 public:
  using Items = std::unordered_map<std::string, std::string>;
  using Validator = std::function<Status(const Items& proposed)>;
  using Listener = std::function<void()>;

  // `startup_path` "": no startup configuration.
  ConfigClient(checkpoint::StandbyLink& link, std::string startup_path);

  // Reads the startup configuration into the running one (lines "path = value", '#' comments).
  Status loadStartup();
  // Changes of paths starting with `prefix` are checked by `validate` and reported to `changed`.
  void watch(std::string prefix, Validator validate, Listener changed);
  // Active: sets (or erases) one item.
  void set(const std::string& path, const std::string& value, bool erase, ChangeDone done);
  const state::ConfigStore& store() const { return store_; }

  // CheckpointClient
  uint16_t id() const override;
  Status stage(uint16_t type, wire::ByteView native, issu::MessageVersion version) override;
  Status applyStaged(size_t count) override;
  void discardStaged() override { staged_.clear(); }
  bool hasCountedBulk() const override { return true; }
  uint64_t beginBulk() override;
  checkpoint::BulkStep produceBulk(checkpoint::Transaction& txn, size_t max_entries) override;
  void onBulkBegin(uint64_t entries) override;
  std::optional<messages::StateDigest> digest() const override;
  void onTakeover(bool warm) override;

  // The item as a checkpoint message of `txn`.
  static void add(checkpoint::Transaction& txn, const messages::ConfigItem& item);

 private:
  struct Watch {
    std::string prefix;
    Validator validate;
    Listener changed;
  };
  void applyItem(const messages::ConfigItem& item);

  checkpoint::StandbyLink& link_;
  const std::string startup_path_;
  state::ConfigStore store_;
  std::vector<Watch> watches_;
  std::vector<messages::ConfigItem> staged_;
  std::vector<std::pair<std::string, std::string>> bulk_;  // the items as the bulk began
  size_t bulk_next_ = 0;
};

}  // namespace hitless::rpd
