#include "rpd/config_client.h"

#include "base/file_util.h"
#include "base/log.h"
#include "checkpoint/transaction.h"
#include "messages/wire_numbers.h"

namespace hitless::rpd {

ConfigClient::ConfigClient(checkpoint::StandbyLink& link, std::string startup_path)
    : link_(link), startup_path_(std::move(startup_path)) {}

uint16_t ConfigClient::id() const { return messages::kClientConfigSync; }

void ConfigClient::add(checkpoint::Transaction& txn, const messages::ConfigItem& item) {
  txn.add(messages::kClientConfigSync, messages::kMsgConfigItem,
          [&](issu::MessageVersion, std::string* out) { messages::encodeConfigItem(item, out); });
}

Status ConfigClient::loadStartup() {
  if (startup_path_.empty()) return Status::ok();
  auto text = readFile(startup_path_);
  if (!text.isOk()) return text.status().withContext("startup config");
  size_t line_no = 0;
  std::string_view rest = *text;
  while (!rest.empty()) {
    ++line_no;
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find(" = ");
    if (eq == std::string_view::npos) {
      return Status::invalidArgument(startup_path_ + " line " + std::to_string(line_no) +
                                     ": expected 'path = value'");
    }
    store_.set(std::string(line.substr(0, eq)), std::string(line.substr(eq + 3)));
  }
  return Status::ok();
}

void ConfigClient::watch(std::string prefix, Validator validate, Listener changed) {
  watches_.push_back({std::move(prefix), std::move(validate), std::move(changed)});
}

void ConfigClient::set(const std::string& path, const std::string& value, bool erase,
                       ChangeDone done) {
  std::vector<const Watch*> affected;
  for (const Watch& w : watches_) {
    if (path.rfind(w.prefix, 0) == 0) affected.push_back(&w);
  }
  if (!affected.empty()) {
    // Refuse a change a watcher could not run with, before anything changes.
    Items proposed = store_.items();
    if (erase) {
      proposed.erase(path);
    } else {
      proposed[path] = value;
    }
    for (const Watch* w : affected) {
      if (Status s = w->validate(proposed); !s.isOk()) {
        done({s, 0, false});
        return;
      }
    }
  }
  messages::ConfigItem item{path, value, erase};
  applyItem(item);
  for (const Watch* w : affected) w->changed();
  if (!link_.inSync()) {
    done({Status::ok(), 1, false});
    return;
  }
  checkpoint::Transaction txn = link_.transaction();
  add(txn, item);
  link_.send(std::move(txn), [done](bool acked) { done({Status::ok(), 1, acked}); });
}

void ConfigClient::applyItem(const messages::ConfigItem& item) {
  if (item.deleted) {
    store_.erase(item.path);
  } else {
    store_.set(item.path, item.value);
  }
}

Status ConfigClient::stage(uint16_t type, wire::ByteView native, issu::MessageVersion) {
  if (type != messages::kMsgConfigItem) {
    return Status::notFound("config client message type " + std::to_string(type) +
                            " is not a checkpoint item");
  }
  ASSIGN_OR_RETURN(auto item, messages::decodeConfigItem(native));
  staged_.push_back(std::move(item));
  return Status::ok();
}

Status ConfigClient::applyStaged(size_t count) {
  for (size_t i = 0; i < count; ++i) applyItem(staged_[i]);
  staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(count));
  return Status::ok();
}

uint64_t ConfigClient::beginBulk() {
  bulk_.assign(store_.items().begin(), store_.items().end());
  bulk_next_ = 0;
  return bulk_.size();
}

checkpoint::BulkStep ConfigClient::produceBulk(checkpoint::Transaction& txn, size_t max_entries) {
  checkpoint::BulkStep step;
  while (bulk_next_ < bulk_.size() && step.entries < max_entries) {
    const auto& [path, value] = bulk_[bulk_next_++];
    add(txn, {path, value, false});
    ++step.entries;
  }
  step.done = bulk_next_ >= bulk_.size();
  if (step.done) bulk_.clear();
  return step;
}

void ConfigClient::onBulkBegin(uint64_t) { store_.clear(); }

std::optional<messages::StateDigest> ConfigClient::digest() const {
  return messages::StateDigest{id(), store_.digest().bytes(), store_.digest().count(), 0};
}

void ConfigClient::onTakeover(bool warm) {
  if (warm) return;
  store_.clear();
  if (Status s = loadStartup(); !s.isOk()) {
    logEvent("RF", Severity::kError, "CONFIG_LOAD_FAILED", s.message());
  }
}

}  // namespace hitless::rpd
