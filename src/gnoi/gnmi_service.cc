#include "gnoi/gnmi_service.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hitless::gnoi {
namespace {

using nlohmann::json;

constexpr const char* kComponentsPath = "/components";
constexpr const char* kNeighborsPath =
    "/network-instances/network-instance[name=DEFAULT]/protocols/protocol[identifier=BGP]"
    "[name=BGP]/bgp/neighbors";

// `prefix` + `path` as element names, keys dropped (they are checked separately).
std::vector<std::string> elemNames(const ::gnmi::Path& prefix, const ::gnmi::Path& path) {
  std::vector<std::string> names;
  for (const auto* p : {&prefix, &path}) {
    for (const auto& e : p->elem()) names.push_back(e.name());
  }
  return names;
}

// A key the path gives must have the one value we serve; a key left out matches.
bool keysMatch(const ::gnmi::Path& prefix, const ::gnmi::Path& path) {
  static const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> kKeys = {
      {"network-instance", {"name", "DEFAULT"}},
      {"protocol", {"identifier", "BGP"}},
      {"protocol", {"name", "BGP"}}};
  for (const auto* p : {&prefix, &path}) {
    for (const auto& e : p->elem()) {
      for (const auto& [key, value] : e.key()) {
        bool ok = false;
        for (const auto& [elem, kv] : kKeys) {
          ok = ok || (elem == e.name() && kv.first == key && kv.second == value);
        }
        if (!ok) return false;
      }
    }
  }
  return true;
}

// The two RPs (their image and redundancy role), the chassis (the ISSU procedure's state),
// then the software modules chassisd runs (fwdd, chassisd itself, gnoid: the package each
// runs) with fwdd's route count, as the openconfig-platform model lists components.
json components(const json& issu, const json& install) {
  json list = json::array();
  for (const auto& slot : issu["slots"]) {
    const int n = slot["slot"];
    const bool active = issu["active_slot"] == n;
    list.push_back(
        {{"name", "RP" + std::to_string(n)},
         {"state",
          {{"name", "RP" + std::to_string(n)},
           {"type", "openconfig-platform-types:CONTROLLER_CARD"},
           {"software-version", slot["image"]},
           {"redundant-role", n == 0 ? "PRIMARY" : "SECONDARY"},
           {"oper-status", slot["rf_state"].get<int>() > 0 ? "openconfig-platform-types:ACTIVE"
                                                           : "openconfig-platform-types:INACTIVE"},
           {"hitless:rf-role", active ? "ACTIVE" : slot["role"]}}}});
    // The last switchover, on the RP it made active: asked for (a planned one: the ISSU
    // procedure, a CLI or gNOI switchover) or forced by a failure.
    const json sw = issu.value("switchovers", json::object());
    if (active && sw.value("last_ms", json()).is_number()) {
      json& state = list.back()["state"];
      state["last-switchover-time"] = std::to_string(sw["last_ms"].get<uint64_t>() * 1'000'000ull);
      state["last-switchover-reason"] = {
          {"trigger", sw.value("last_planned", false)
                          ? "openconfig-platform-types:USER_INITIATED"
                          : "openconfig-platform-types:SYSTEM_INITIATED"},
          {"details", sw.value("last_reason", std::string())}};
    }
  }
  // The chassis: where the ISSU procedure's state lives (one for both RPs).
  json chassis = {{"name", "chassis"},
                  {"type", "openconfig-platform-types:CHASSIS"},
                  {"hitless:issu-state", issu.value("issu_state", std::string())},
                  {"hitless:standby-hot", issu.value("standby_hot", false)}};
  if (issu.contains("rollback_remaining_s") && issu["rollback_remaining_s"].is_number()) {
    chassis["hitless:rollback-timer-remaining"] = issu["rollback_remaining_s"];
  }
  list.push_back({{"name", "chassis"}, {"state", chassis}});
  json modules = install.value("components", json::object());
  const json fib = issu.value("fib", json());  // null without fwdd
  if (fib.is_object() && !modules.contains("fwdd")) {
    modules["fwdd"] = json::object();  // fwdd not run from a package: still the FIB's owner
  }
  for (const auto& [name, c] : modules.items()) {
    json state = {{"name", name},
                  {"type", "openconfig-platform-types:SOFTWARE_MODULE"},
                  {"oper-status", c.value("pid", 0) > 0 ? "openconfig-platform-types:ACTIVE"
                                                        : "openconfig-platform-types:INACTIVE"}};
    const std::string package = c.value("package", std::string());
    if (package.rfind(name + "-", 0) == 0)
      state["software-version"] = package.substr(name.size() + 1);
    if (name == "fwdd" && fib.is_object()) state["hitless:fib-routes"] = fib.value("routes", 0);
    list.push_back({{"name", name}, {"state", state}});
  }
  return {{"openconfig-platform:component", list}};
}

std::string sessionState(const std::string& ours) {
  std::string out;
  for (char c : ours) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;  // Idle, Connect, Active, OpenSent, OpenConfirm, Established -> openconfig's
}

json neighbors(const json& summary, uint64_t now_ns) {
  json list = json::array();
  for (const auto& n : summary.value("neighbors", json::array())) {
    const bool up = n.value("state", std::string()) == "Established";
    const uint64_t flaps = n.value("flaps", uint64_t{0});
    json state = {{"neighbor-address", n["neighbor"]},
                  {"peer-as", n["remote_as"]},
                  {"session-state", sessionState(n.value("state", std::string()))},
                  {"established-transitions", std::to_string(flaps + (up ? 1 : 0))}};
    if (up) {
      state["last-established"] =
          std::to_string(now_ns - n.value("up_for_s", uint64_t{0}) * 1'000'000'000ull);
    }
    list.push_back({{"neighbor-address", n["neighbor"]},
                    {"state", state},
                    {"afi-safis",
                     {{"afi-safi",
                       {{{"afi-safi-name", "openconfig-bgp-types:IPV4_UNICAST"},
                         {"state",
                          {{"prefixes",
                            {{"received", n.value("prefixes_received", 0)},
                             {"sent", n.value("prefixes_sent", 0)}}}}}}}}}}});
  }
  return {{"openconfig-network-instance:neighbor", list}};
}

grpc::Status unimplemented(const std::string& what) {
  return {grpc::StatusCode::UNIMPLEMENTED,
          what + "; served: Get of " + std::string(kComponentsPath) + " and " + kNeighborsPath};
}

}  // namespace

grpc::Status GnmiService::Capabilities(grpc::ServerContext* call, const ::gnmi::CapabilityRequest*,
                                       ::gnmi::CapabilityResponse* response) {
  if (auto st = authorize(ctx_, call, Role::kViewer, "gNMI.Capabilities"); !st.ok()) return st;
  for (const auto& [name, org] :
       {std::pair{"openconfig-platform", "OpenConfig working group"},
        std::pair{"openconfig-network-instance", "OpenConfig working group"}}) {
    auto* m = response->add_supported_models();
    m->set_name(name);
    m->set_organization(org);
  }
  response->add_supported_encodings(::gnmi::JSON_IETF);
  response->add_supported_encodings(::gnmi::JSON);
  response->set_gnmi_version("0.10.0");
  return grpc::Status::OK;
}

grpc::Status GnmiService::Get(grpc::ServerContext* call, const ::gnmi::GetRequest* request,
                              ::gnmi::GetResponse* response) {
  if (auto st = authorize(ctx_, call, Role::kViewer, "gNMI.Get"); !st.ok()) return st;
  if (request->encoding() != ::gnmi::JSON_IETF && request->encoding() != ::gnmi::JSON) {
    return unimplemented("encoding " + ::gnmi::Encoding_Name(request->encoding()));
  }
  if (request->path_size() == 0) return unimplemented("a Get without a path");
  const std::vector<std::string> components_names = {"components"};
  const std::vector<std::string> neighbor_names = {
      "network-instances", "network-instance", "protocols", "protocol", "bgp", "neighbors"};
  auto* notification = response->add_notification();
  const uint64_t now = wallClockNs();
  notification->set_timestamp(static_cast<int64_t>(now));
  *notification->mutable_prefix() = request->prefix();
  for (const auto& path : request->path()) {
    const auto names = elemNames(request->prefix(), path);
    json value;
    if (names == components_names) {
      auto issu = ctx_.chassis.state();
      if (!issu.isOk()) {
        return {grpc::StatusCode::UNAVAILABLE, "chassisd: " + issu.status().message()};
      }
      // Without the install service (an older chassisd) the RPs are still answered.
      auto install = ctx_.chassis.installState();
      value = components(*issu, install.isOk() ? *install : json::object());
    } else if (names == neighbor_names && keysMatch(request->prefix(), path)) {
      auto summary = ctx_.chassis.askActiveRp("show-bgp-summary");
      if (!summary.isOk()) {
        return {grpc::StatusCode::UNAVAILABLE, "active RP: " + summary.status().message()};
      }
      // An RP without BGP configured answers ok=false: no neighbors, not an error.
      value = neighbors(summary->value("ok", false) ? (*summary)["bgp"] : json::object(), now);
    } else {
      std::string text;
      for (const auto& n : names) text += "/" + n;
      return unimplemented("path " + (text.empty() ? "/" : text) + " is not served");
    }
    auto* update = notification->add_update();
    *update->mutable_path() = path;
    const std::string encoded = value.dump();
    if (request->encoding() == ::gnmi::JSON_IETF) {
      update->mutable_val()->set_json_ietf_val(encoded);
    } else {
      update->mutable_val()->set_json_val(encoded);
    }
  }
  return grpc::Status::OK;
}

}  // namespace hitless::gnoi
