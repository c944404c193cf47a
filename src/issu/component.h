// The components of a hitless router that are packaged, versioned and upgraded on their own
// (docs/image-format.md): rpd (the route processor: the RP pair's unit, upgraded through the
// ISSU procedure), fwdd (the forwarding agent), chassisd (the chassis manager) and gnoid (the
// gNOI server). A package holds one component's binary, named after it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hitless::issu {

enum class Component { kRpd, kFwdd, kChassisd, kGnoid };

std::string_view componentName(Component c);  // "rpd", also the binary's file name
Result<Component> parseComponent(std::string_view name);
std::vector<Component> allComponents();

// The channels between components that carry versioned messages, by the name manifests use.
inline constexpr char kChannelCheckpoint[] = "checkpoint";  // rpd <-> rpd (message_set)
inline constexpr char kChannelFib[] = "fib";                // rpd -> fwdd

}  // namespace hitless::issu
