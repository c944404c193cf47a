// StandbyLink: the active RP's way to its standby, as checkpoint clients see it — whether a
// standby is in sync, a transaction for the current session, and sending it. The RP implements
// it over its current CheckpointChannel; tests implement it over a channel pair.
#pragma once

#include <cstddef>
#include <functional>

#include "checkpoint/transaction.h"

namespace hitless::checkpoint {

class StandbyLink {
 public:
  using Done = std::function<void(bool acked)>;
  virtual ~StandbyLink() = default;

  // This RP is active with a negotiated SSO session to a standby: changes must be checkpointed
  // (and acknowledged before they are reported synced).
  virtual bool inSync() const = 0;
  // A transaction for the current session; inert when !inSync().
  virtual Transaction transaction() const = 0;
  // done(true) once the standby acknowledged it (at once when it holds nothing this pair
  // exchanges), done(false) if the session ends first or the transaction cannot go (inert, or
  // made for an earlier session). Exactly once.
  virtual void send(Transaction txn, Done done) = 0;
  virtual size_t unackedTransactions() const = 0;
  // In sync and the standby is STANDBY HOT (its bulk sync done): it could take over warm now.
  virtual bool standbyHot() const { return inSync(); }
};

}  // namespace hitless::checkpoint
