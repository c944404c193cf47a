// Registration of each group of `hitless` commands into the table. Each group lives in its own
// file; hitless_cli.cc assembles them.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command_table.h"

namespace hitless::cli {

// Options several command groups share.
inline const OptionSpec kJsonOption{"json", "", "print JSON"};
inline const OptionSpec kPubkeyOption{
    "pubkey", "KEY", "public key (default: $HITLESS_PUBKEY or /etc/hitless/image.pub)"};

// The RP control socket: --socket, else $HITLESS_RP_SOCKET, else /run/hitless/rp0.ctl.
inline const OptionSpec kRpSocketOption{"socket", "PATH",
                                        "RP control socket (default: $HITLESS_RP_SOCKET or "
                                        "/run/hitless/rp0.ctl)"};
std::string rpSocketPath(const ParsedArgs& a);

// chassisd's control socket: --chassis, else $HITLESS_SOCKET, else /run/hitless/chassis.ctl.
inline const OptionSpec kChassisOption{"chassis", "PATH",
                                       "chassisd control socket (default: $HITLESS_SOCKET or "
                                       "/run/hitless/chassis.ctl)"};
std::string chassisSocket(const ParsedArgs& a);

void addImageCommands(CommandTable& table);       // keygen, image build, image verify
void addCompatCommands(CommandTable& table);      // compat, decode
void addRedundancyCommands(CommandTable& table);  // show redundancy, rib, force-switchover
void addIssuCommands(CommandTable& table);  // issu ..., show issu state, show issu rollback-timer
void addFibCommands(CommandTable& table);   // show fib [routes]
void addBgpCommands(CommandTable& table);   // show bgp summary|neighbors, show ip route
void addPkiCommands(CommandTable& table);   // pki init
void addInstallCommands(CommandTable& table);  // install ..., show install ...

// One request to a daemon's control socket. On a transport error or an {"ok": false} answer,
// prints the reason on io.err as an IOS-style "% ..." line and returns nullopt.
std::optional<nlohmann::json> askDaemon(const std::string& socket, const nlohmann::json& request,
                                        Io& io, int timeout_ms);

// The public key used when --pubkey is absent: $HITLESS_PUBKEY, else /etc/hitless/image.pub.
std::string defaultPublicKeyPath();

}  // namespace hitless::cli
