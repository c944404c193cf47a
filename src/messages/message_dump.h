// Decodes any frame this image understands into a one-line description, going through the
// catalog's transforms to the native version first — the same path a checkpoint receiver takes.
// Used by the fuzzer, the golden-file tests and `hitless decode`. Never crashes on bad input.
#pragma once

#include <string>

#include "base/status.h"
#include "issu/message_catalog.h"
#include "wire/frame.h"

namespace hitless::messages {

Result<std::string> describeFrame(const issu::MessageCatalog& catalog, const wire::Frame& frame);
// A FIB-channel frame (client 5, or a route frame on that channel) read through `fib_catalog`
// (messages/fib_catalog.h). describeFrame() hands client 5 frames here with the newest fwdd's.
Result<std::string> describeFibFrame(const issu::MessageCatalog& fib_catalog,
                                     const wire::Frame& frame);

}  // namespace hitless::messages
