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

}  // namespace hitless::messages
