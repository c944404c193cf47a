// The path attributes of an UPDATE as a table (BIRD's bgp_attr_table is the model): per type
// code, its name, whether a repeat resets the session, and the decoder that reads its value
// into the message. The UPDATE decoder (update_codec.cc) walks the attribute list and dispatches
// here; what RFC 7606 lets a session survive is recorded as a treat-as-withdraw problem, what it
// does not is returned as the NOTIFICATION to send. Internal to the bgp library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/bgp_message.h"

namespace hitless::bgp::attrs {

// What decoding one UPDATE's attributes builds up.
struct Context {
  Context(const UpdateCodecOptions& o, UpdateMessage& m) : options(o), message(m) {}
  const UpdateCodecOptions& options;
  UpdateMessage& message;
  // The first problem RFC 7606 answers with treat-as-withdraw (empty reason: none).
  uint8_t problem_subcode = 0;
  std::string problem;
  bool have_mp_reach = false, have_mp_unreach = false;
  std::optional<AfiSafi> unreach_family;
  net::IpAddress mp_next_hop;
  std::vector<net::IpPrefix> mp_nlri, mp_withdrawn;

  void treatAsWithdraw(uint8_t subcode, std::string reason) {
    if (problem.empty()) {
      problem_subcode = subcode;
      problem = std::move(reason);
    }
  }
};

// Reads one attribute's value; returns the NOTIFICATION when the session must be reset.
using Decoder = std::optional<BgpError> (*)(std::string_view value, Context& c);

struct Rule {
  const char* name = nullptr;
  Decoder decode = nullptr;
  bool repeat_is_fatal = false;  // RFC 7606 §3.g: MP_REACH/MP_UNREACH; others keep the first
};

// The rule for `type`, or null for a type this speaker does not know (accepted if optional,
// a NOTIFICATION if well-known).
const Rule* find(uint8_t type);

}  // namespace hitless::bgp::attrs
