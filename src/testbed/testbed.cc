#include "testbed/testbed.h"

#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "base/file_util.h"
#include "base/subprocess.h"

namespace hitless::testbed {

namespace {

constexpr const char* kRoles[] = {"src", "rtr", "dst", "peer"};
constexpr std::chrono::milliseconds kIpTimeout{10'000};

// Namespaces alive in this process, for the exit and signal handlers. Fixed storage: the signal
// handler must not allocate.
constexpr size_t kMaxLive = 64;
char g_live[kMaxLive][128];
std::atomic<bool> g_used[kMaxLive];
std::once_flag g_handlers_once;

void removeMount(const char* name) {
  char path[160] = "/run/netns/";
  size_t at = strlen(path);
  for (size_t i = 0; name[i] != '\0' && at + 1 < sizeof(path); ++i) path[at++] = name[i];
  path[at] = '\0';
  umount2(path, MNT_DETACH);
  unlink(path);
}

void removeAllLive() {
  for (size_t i = 0; i < kMaxLive; ++i) {
    if (g_used[i].exchange(false)) removeMount(g_live[i]);
  }
}

void onFatalSignal(int sig) {
  removeAllLive();
  signal(sig, SIG_DFL);
  raise(sig);
}

void installHandlers() {
  std::call_once(g_handlers_once, [] {
    std::atexit(removeAllLive);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction sa {};
      struct sigaction old {};
      sigaction(sig, nullptr, &old);
      if (old.sa_handler != SIG_DFL) continue;  // the program handles it itself
      sa.sa_handler = onFatalSignal;
      sigemptyset(&sa.sa_mask);
      sigaction(sig, &sa, nullptr);
    }
  });
}

void trackLive(const std::string& name, bool live) {
  for (size_t i = 0; i < kMaxLive; ++i) {
    if (live && !g_used[i].load()) {
      strncpy(g_live[i], name.c_str(), sizeof(g_live[i]) - 1);
      g_live[i][sizeof(g_live[i]) - 1] = '\0';
      g_used[i].store(true);
      return;
    }
    if (!live && g_used[i].load() && name == g_live[i]) {
      g_used[i].store(false);
      return;
    }
  }
}

Status ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ipTool()};
  argv.insert(argv.end(), args.begin(), args.end());
  ASSIGN_OR_RETURN(ProcessOutput out, runProcess(argv, kIpTimeout));
  if (!out.succeeded()) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return Status::ioError(cmd + ": " + (out.err.empty() ? out.out : out.err));
  }
  return Status::ok();
}

std::vector<std::string> listNetns() {
  std::vector<std::string> out;
  DIR* d = opendir("/run/netns");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') out.push_back(e->d_name);
  }
  closedir(d);
  return out;
}

}  // namespace

const std::string& ipTool() {
  static const std::string path = [] {
    for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
      if (access(p, X_OK) == 0) return std::string(p);
    }
    return std::string("/sbin/ip");
  }();
  return path;
}

std::vector<std::string> Testbed::inNetns(const std::string& ns, std::vector<std::string> argv) {
  std::vector<std::string> out = {ipTool(), "netns", "exec", ns};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

int Testbed::sweepOrphans(const std::string& prefix) {
  int removed = 0;
  for (const auto& name : listNetns()) {
    if (name.rfind(prefix, 0) != 0) continue;
    const char* rest = name.c_str() + prefix.size();
    char* end = nullptr;
    long pid = std::strtol(rest, &end, 10);
    if (end == rest || *end != 'x' || pid <= 0) continue;
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;  // still alive
    if (ip({"netns", "del", name}).isOk()) ++removed;
  }
  return removed;
}

Status Testbed::destroy(const std::string& base) {
  Status first;
  for (const char* role : kRoles) {
    std::string name = base + "-" + role;
    if (!pathExists("/run/netns/" + name)) continue;
    Status s = ip({"netns", "del", name});
    if (!s.isOk() && first.isOk()) first = s;
    trackLive(name, false);
  }
  return first;
}

Result<std::unique_ptr<Testbed>> Testbed::create(const TestbedOptions& options) {
  installHandlers();
  sweepOrphans(options.prefix);
  // Unique in this process by the counter, and across processes of one owner (hitless-testbed
  // up, once per router of a fleet) by skipping names already taken.
  static std::atomic<int> counter{0};
  const std::string owner =
      options.prefix + std::to_string(options.owner_pid ? options.owner_pid : getpid()) + "x";
  std::string base = owner + std::to_string(counter.fetch_add(1));
  while (pathExists("/run/netns/" + base + "-" + kRoles[0])) {
    base = owner + std::to_string(counter.fetch_add(1));
  }
  std::unique_ptr<Testbed> tb(new Testbed(base));
  Status s = tb->build(options);
  if (!s.isOk()) return s.withContext("testbed " + base);  // the destructor tears down
  return tb;
}

Status Testbed::build(const TestbedOptions& options) {
  size_t roles = options.with_peer ? 4 : 3;
  for (size_t i = 0; i < roles; ++i) {
    names_[i] = base_ + "-" + kRoles[i];
    RETURN_IF_ERROR(ip({"netns", "add", names_[i]}));
    trackLive(names_[i], true);
    RETURN_IF_ERROR(ip({"-n", names_[i], "link", "set", "lo", "up"}));
  }
  struct Link {
    size_t a, b;
    const char *a_if, *b_if, *a_addr, *b_addr, *a_addr6, *b_addr6;
  };
  std::vector<Link> links = {{0, 1, "to-rtr", "to-src", "198.18.1.2/24", "198.18.1.1/24",
                              "2001:2:0:1::2/64", "2001:2:0:1::1/64"},
                             {2, 1, "to-rtr", "to-dst", "198.18.2.2/24", "198.18.2.1/24",
                              "2001:2:0:2::2/64", "2001:2:0:2::1/64"}};
  if (options.with_peer) {
    links.push_back({3, 1, "to-rtr", "to-peer", "198.18.3.2/24", "198.18.3.1/24",
                     "2001:2:0:3::2/64", "2001:2:0:3::1/64"});
  }
  for (const auto& l : links) {
    // Created directly inside the namespaces: no name ever appears in the root namespace.
    RETURN_IF_ERROR(ip({"link", "add", l.a_if, "netns", names_[l.a], "type", "veth", "peer", "name",
                        l.b_if, "netns", names_[l.b]}));
    RETURN_IF_ERROR(ip({"-n", names_[l.a], "addr", "add", l.a_addr, "dev", l.a_if}));
    RETURN_IF_ERROR(ip({"-n", names_[l.b], "addr", "add", l.b_addr, "dev", l.b_if}));
    // nodad: usable at once (no duplicate address detection delay on a private link).
    RETURN_IF_ERROR(ip({"-n", names_[l.a], "addr", "add", l.a_addr6, "dev", l.a_if, "nodad"}));
    RETURN_IF_ERROR(ip({"-n", names_[l.b], "addr", "add", l.b_addr6, "dev", l.b_if, "nodad"}));
    RETURN_IF_ERROR(ip({"-n", names_[l.a], "link", "set", l.a_if, "up"}));
    RETURN_IF_ERROR(ip({"-n", names_[l.b], "link", "set", l.b_if, "up"}));
    // The edge namespaces reach everything through the router.
    RETURN_IF_ERROR(ip({"-n", names_[l.a], "route", "add", "default", "via",
                        std::string(l.b_addr).substr(0, std::string(l.b_addr).find('/'))}));
  }
  RETURN_IF_ERROR(
      ip({"-n", dst(), "addr", "add", std::string(Addresses::kTarget) + "/32", "dev", "lo"}));
  for (const char* sysctl : {"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"}) {
    ASSIGN_OR_RETURN(ProcessOutput out,
                     runProcess(inNetns(rtr(), {"/usr/sbin/sysctl", "-qw", sysctl}), kIpTimeout));
    if (!out.succeeded()) {
      // sysctl may live elsewhere; writing /proc inside the namespace is what it does anyway.
      std::string key = sysctl;
      std::string path = "/proc/sys/" + key.substr(0, key.find('='));
      for (auto& c : path) {
        if (c == '.') c = '/';
      }
      ASSIGN_OR_RETURN(
          ProcessOutput sh,
          runProcess(inNetns(rtr(), {"/bin/sh", "-c", "echo 1 > " + path}), kIpTimeout));
      if (!sh.succeeded()) return Status::ioError("cannot enable forwarding: " + sh.err);
    }
  }
  return Status::ok();
}

void Testbed::release() {
  released_ = true;
  for (const auto& name : names_) {
    if (!name.empty()) trackLive(name, false);
  }
}

Status Testbed::teardown() { return destroy(base_); }

Testbed::~Testbed() {
  if (released_) return;
  Status s = teardown();
  (void)s;  // nothing more to do about a failure here; the orphan sweep retries later
}

}  // namespace hitless::testbed
