#include "base/prefault.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace hitless::prefault {
namespace {

constexpr uintptr_t kPage = 4096;
// Populated per madvise call: bounds how long the worker holds the address-space lock that a
// page fault or an mmap on the event loop's thread may need.
constexpr size_t kSlice = size_t{2} << 20;

class Worker {
 public:
  ~Worker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  uint64_t enqueue(uintptr_t begin, uintptr_t end) {
    uint64_t ticket;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!supported_) return 0;
      queue_.emplace_back(begin, end);
      ticket = ++queued_;
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    wake_.notify_all();
    return ticket;
  }

  bool isDone(uint64_t ticket) const { return finished_.load(std::memory_order_acquire) >= ticket; }

  size_t waitIdle() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
    return populated_;
  }

 private:
  void run() {
    // Ordinary priority, like the loops it works for. Each madvise holds the address-space lock
    // while it zeroes a huge page, and an mmap or munmap on a loop's thread (a large malloc)
    // waits for it: a worker preempted inside that call stalls the loop until it runs again.
    // At SCHED_IDLE that took up to 580 ms on a saturated 2-core box (a 1M-route BGP burst),
    // at nice 19 up to 400 ms (a loop turn with 1 ms on the CPU, blocked the rest) — past the
    // RPs' heartbeat budget, so the pair switched over. At nice 0 it runs again within a
    // scheduling period. The zeroing is work the loop would otherwise do itself.
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      auto [begin, end] = queue_.front();
      queue_.pop_front();
      busy_ = true;
      lock.unlock();
      size_t done = 0;
      bool unsupported = false;
      for (uintptr_t at = begin; at < end; at += kSlice) {
        size_t len = std::min<uintptr_t>(kSlice, end - at);
        if (::madvise(reinterpret_cast<void*>(at), len, MADV_POPULATE_WRITE) != 0) {
          unsupported = errno == EINVAL;  // an old kernel; other errors: the range went away
          break;
        }
        done += len;
      }
      lock.lock();
      busy_ = false;
      populated_ += done;
      if (unsupported) {
        supported_ = false;
        queue_.clear();
      }
      // Ranges complete in queue order; an unsupported kernel gives up on all of them.
      finished_.store(unsupported ? queued_ : finished_.load() + 1, std::memory_order_release);
      if (queue_.empty()) idle_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::pair<uintptr_t, uintptr_t>> queue_;
  std::thread thread_;
  size_t populated_ = 0;
  uint64_t queued_ = 0;
  std::atomic<uint64_t> finished_{0};
  bool busy_ = false, stopping_ = false, supported_ = true;
};

Worker& worker() {
  static Worker w;
  return w;
}

}  // namespace

uint64_t inBackground(const void* p, size_t bytes) {
  auto begin = reinterpret_cast<uintptr_t>(p) / kPage * kPage;
  auto end = (reinterpret_cast<uintptr_t>(p) + bytes + kPage - 1) / kPage * kPage;
  if (bytes == 0) return 0;
  return worker().enqueue(begin, end);
}

bool isDone(uint64_t ticket) { return worker().isDone(ticket); }

size_t waitIdle() { return worker().waitIdle(); }

}  // namespace hitless::prefault
