// hitless-loss: a packet-loss meter for forwarding tests (docs/loss-meter.md).
//   hitless-loss recv --listen ADDR:PORT [--timeout-ms N] [--out FILE] [--series] ...
//   hitless-loss send --to ADDR:PORT [--pps N] [--duration-ms N] [--size N] ...  (--help)
// The sender paces sequence-numbered, timestamped UDP probes and ends with an end marker; the
// receiver stops after the end marker (or its timeout) and writes a JSON report. Both stop by
// themselves: every run is bounded in time.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/command_line.h"
#include "base/file_util.h"
#include "loss/loss_analyzer.h"
#include "loss/loss_packet.h"
#include "net/ip.h"

namespace {

using namespace hitless;

constexpr size_t kBatch = 64;

struct ReceiveOptions {
  std::string listen, out, ready_file;
  int64_t timeout_ms = 60000, bin_ms = 10;
  bool series = false;
};

struct SendOptions {
  std::string to, out, started_file;
  int64_t pps = 50000, duration_ms = 5000, size = 64;
  std::optional<uint32_t> run_id;
};

// SIGINT/SIGTERM end a run early but cleanly: the sender still sends its end marker and both
// sides still write their reports.
volatile sig_atomic_t g_stop = 0;
void onStopSignal(int) { g_stop = 1; }
void installStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

uint64_t monoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// kBatch datagram buffers of `size` bytes each, wired for sendmmsg/recvmmsg.
struct DatagramBatch {
  explicit DatagramBatch(size_t size)
      : size(size), bytes(kBatch * size), iov(kBatch), msgs(kBatch) {
    for (size_t i = 0; i < kBatch; ++i) {
      iov[i] = {at(i), size};
      std::memset(&msgs[i], 0, sizeof(mmsghdr));
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
  }
  char* at(size_t i) { return bytes.data() + i * size; }
  size_t size;
  std::vector<char> bytes;
  std::vector<iovec> iov;
  std::vector<mmsghdr> msgs;
};

int fail(const std::string& message) {
  std::cerr << "hitless-loss: " << message << "\n";
  return 2;
}

bool parseEndpoint(const std::string& text, sockaddr_storage* out, socklen_t* len) {
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("]:");
    if (close == std::string::npos) return false;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  char* end = nullptr;
  unsigned long p = std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p == 0 || p > 65535) return false;
  auto addr = net::IpAddress::parse(host);
  if (!addr.isOk()) return false;
  std::memset(out, 0, sizeof(*out));
  if (addr->family == net::Family::kIpv4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(p));
    std::memcpy(&sin->sin_addr, addr->bytes.data(), 4);
    *len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(p));
    std::memcpy(&sin6->sin6_addr, addr->bytes.data(), 16);
    *len = sizeof(sockaddr_in6);
  }
  return true;
}

int writeReport(const nlohmann::json& j, const std::string& out) {
  if (out.empty()) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  Status s = writeFileAtomic(out, j.dump(2) + "\n");
  return s.isOk() ? 0 : fail(s.message());
}

int receive(const ReceiveOptions& opt) {
  sockaddr_storage addr;
  socklen_t len;
  if (!parseEndpoint(opt.listen, &addr, &len)) return fail("bad --listen address " + opt.listen);
  const int64_t timeout_ms = opt.timeout_ms, bin_ms = opt.bin_ms;
  int fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(std::string("socket: ") + strerror(errno));
  int size = 32 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) < 0) {
    return fail("bind " + opt.listen + ": " + strerror(errno));
  }
  if (!opt.ready_file.empty()) {
    if (Status s = writeFileAtomic(opt.ready_file, "ready\n"); !s.isOk()) {
      return fail(s.message());
    }
  }
  loss::LossAnalyzer analyzer(static_cast<uint64_t>(bin_ms) * 1'000'000);
  DatagramBatch batch(2048);
  const uint64_t deadline = monoNs() + static_cast<uint64_t>(timeout_ms) * 1'000'000;
  uint64_t stop_at = 0;  // set 50 ms after the end marker, for stragglers
  uint32_t run_id = 0;
  bool have_run = false;
  while (true) {
    uint64_t now = monoNs();
    if (now >= deadline || (stop_at && now >= stop_at)) break;
    if (g_stop && !stop_at) stop_at = now + 200'000'000;  // still take the sender's end marker
    // Polled, not blocking: a sleeping reader would be woken per packet, and that wake-up is
    // paid in the sender's context (veth forwards synchronously), halving the rate we reach.
    int n = recvmmsg(fd, batch.msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    uint64_t rx = monoNs();
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        timespec nap{0, 200'000};
        nanosleep(&nap, nullptr);
        continue;
      }
      return fail(std::string("recvmmsg: ") + strerror(errno));
    }
    for (int i = 0; i < n; ++i) {
      auto probe = loss::readProbe(std::string_view(batch.at(i), batch.msgs[i].msg_len));
      if (!probe) continue;
      if (!have_run) {
        run_id = probe->run_id;
        have_run = true;
      }
      if (probe->run_id != run_id) continue;  // an older run's stragglers
      if (probe->flags & loss::kFlagEnd) {
        if (!analyzer.endSeen()) stop_at = rx + 50'000'000;
        analyzer.onEnd(probe->sequence, probe->sent_ns);
      } else {
        analyzer.onProbe(*probe, rx);
      }
    }
  }
  close(fd);
  nlohmann::json j = analyzer.report(opt.series);
  j["timed_out"] = !analyzer.endSeen();
  return writeReport(j, opt.out);
}

int send(const SendOptions& opt) {
  sockaddr_storage addr;
  socklen_t len;
  if (!parseEndpoint(opt.to, &addr, &len)) return fail("bad --to address " + opt.to);
  const long pps = static_cast<long>(opt.pps), duration_ms = static_cast<long>(opt.duration_ms),
             size = static_cast<long>(opt.size);
  uint32_t run_id =
      opt.run_id.value_or(static_cast<uint32_t>(monoNs() ^ static_cast<uint64_t>(getpid())));
  int fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(std::string("socket: ") + strerror(errno));
  int sndbuf = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) < 0) {
    return fail("connect " + opt.to + ": " + strerror(errno));
  }
  DatagramBatch batch(static_cast<size_t>(size));
  if (!opt.started_file.empty()) {
    if (Status s = writeFileAtomic(opt.started_file, "started\n"); !s.isOk()) {
      return fail(s.message());
    }
  }
  const uint64_t start = monoNs();
  const uint64_t end = start + static_cast<uint64_t>(duration_ms) * 1'000'000;
  const long double ns_per_probe = 1e9L / static_cast<long double>(pps);
  // Probes go out in small bursts (~250 us worth): one syscall per probe would cap the rate.
  const uint64_t burst = static_cast<uint64_t>(std::clamp<long>(pps / 4000, 1, kBatch));
  uint64_t seq = 0, send_errors = 0;
  std::string first_error;
  while (!g_stop) {
    uint64_t now = monoNs();
    if (now >= end) break;
    uint64_t due = static_cast<uint64_t>(static_cast<long double>(now - start) / ns_per_probe) + 1;
    if (seq >= due) {
      // Pace: sleep until the next probe is due (this is rate control, not synchronisation).
      uint64_t next =
          start + static_cast<uint64_t>(static_cast<long double>(seq + burst - 1) * ns_per_probe);
      timespec ts{static_cast<time_t>(next / 1'000'000'000),
                  static_cast<long>(next % 1'000'000'000)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
      continue;
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(kBatch, due - seq));
    for (size_t i = 0; i < n; ++i) {
      loss::writeProbe({run_id, seq + i, now, start, 0}, batch.at(i));
    }
    int sent = sendmmsg(fd, batch.msgs.data(), static_cast<unsigned>(n), 0);
    if (sent < 0) {
      // Counted as sent: a probe the sender could not send is a probe the path lost.
      if (first_error.empty()) first_error = strerror(errno);
      send_errors += n;
    } else if (static_cast<size_t>(sent) < n) {
      send_errors += n - static_cast<size_t>(sent);
    }
    seq += n;
  }
  uint64_t finished = monoNs();
  for (int i = 0; i < 5; ++i) {
    char marker[loss::kHeaderSize];
    loss::writeProbe({run_id, seq, monoNs(), start, loss::kFlagEnd}, marker);
    ::send(fd, marker, sizeof(marker), 0);
    timespec ts{0, 5'000'000};
    nanosleep(&ts, nullptr);
  }
  close(fd);
  double seconds = static_cast<double>(finished - start) / 1e9;
  nlohmann::json j = {{"sent", seq},
                      {"send_errors", send_errors},
                      {"first_send_error", first_error},
                      {"duration_s", seconds},
                      {"pps_target", pps},
                      {"pps_achieved", seconds > 0 ? static_cast<double>(seq) / seconds : 0.0},
                      {"run_id", run_id},
                      {"start_monotonic_ns", start}};
  return writeReport(j, opt.out);
}

}  // namespace

int main(int argc, char** argv) {
  ReceiveOptions r;
  SendOptions t;
  CLI::App app(
      "A packet-loss meter for forwarding tests (docs/loss-meter.md): the sender paces "
      "sequence-numbered, timestamped UDP probes and ends with an end marker; the receiver stops "
      "after it (or its timeout) and writes a JSON report. Addresses are IPv4:PORT or "
      "[IPv6]:PORT; run each side in its network namespace (ip netns exec). SIGINT/SIGTERM end "
      "either side early, cleanly: end marker and reports as usual.",
      "hitless-loss");
  app.require_subcommand(1);
  CLI::App* recv = app.add_subcommand(
      "recv", "wait for probes; stop 50 ms after the end marker or at --timeout-ms; report");
  recv->add_option("--listen", r.listen, "ADDR:PORT to receive on")->required();
  addNumber<int64_t>(*recv, "--timeout-ms", r.timeout_ms, 1, 86'400'000,
                     "stop at the latest after this long");
  recv->add_option("--out", r.out, "write the report here (default: stdout)");
  recv->add_flag("--series", r.series, "include the loss series per --bin-ms");
  addNumber<int64_t>(*recv, "--bin-ms", r.bin_ms, 1, 60'000, "width of a loss-series bin");
  recv->add_option("--ready-file", r.ready_file, "written once the socket is bound");
  CLI::App* snd = app.add_subcommand("send", "send probes for --duration-ms, then the end marker");
  snd->add_option("--to", t.to, "ADDR:PORT to send to")->required();
  addNumber<int64_t>(*snd, "--pps", t.pps, 1, 10'000'000, "probes per second");
  addNumber<int64_t>(*snd, "--duration-ms", t.duration_ms, 1, 3'600'000, "how long to send");
  addNumber<int64_t>(*snd, "--size", t.size, static_cast<int64_t>(loss::kHeaderSize), 1400,
                     "probe size in bytes");
  snd->add_option("--run-id", t.run_id, "tags this run's probes (default: random)")
      ->transform(decimalIn(0, UINT32_MAX));
  snd->add_option("--out", t.out, "write what was sent here (default: stdout)");
  snd->add_option("--started-file", t.started_file,
                  "written just before the first probe goes out (a test waits on it)");
  if (auto exit = parseCommandLine(app, argc, argv)) return *exit;
  installStopHandlers();
  return recv->parsed() ? receive(r) : send(t);
}
