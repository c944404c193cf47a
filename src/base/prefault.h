// Prefaulting: a background thread touches memory the event loop is about to fill, so that the
// loop's first writes find the pages present. A page fault is cheap on bare metal but not under
// virtualisation: a 2 MB transparent huge page costs milliseconds to fault in on a nested VM,
// and a table growing by a few hundred megabytes would stall the loop for that long, page by
// page, past the replication-lag and heartbeat budgets of the RP pair.
//
// The worker uses madvise(MADV_POPULATE_WRITE), which never changes what memory holds, so it is
// safe even if the range is freed or reused meanwhile (the call then just fails). Kernels older
// than 5.14 lack it: prefaulting is then silently skipped — a speed hint, never a correctness
// requirement.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hitless::prefault {

// Queues [p, p + bytes) for the background thread; returns at once, with a ticket for isDone().
uint64_t inBackground(const void* p, size_t bytes);

// Whether the range of `ticket` (and every range queued before it) has been populated — or
// given up on (an old kernel, a range that went away): the caller may stop waiting either way.
bool isDone(uint64_t ticket);

// Blocks until the queue is empty (for tests and benchmarks). Returns the bytes populated so
// far over the process's life.
size_t waitIdle();

}  // namespace hitless::prefault
