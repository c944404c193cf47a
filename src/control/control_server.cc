#include "control/control_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>

namespace hitless::control {

struct ControlServer::Client {
  uint64_t id;
  std::unique_ptr<event::Connection> conn;
  // Responses leave in request order even when handlers answer out of order.
  std::deque<std::pair<uint64_t, std::optional<std::string>>> outbox;
  uint64_t next_request = 1;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

ControlServer::ControlServer(event::EventLoop& loop) : loop_(loop) {
  addCommand("loop-stats", [this](const nlohmann::json& req, Reply reply) {
    nlohmann::json out = {{"ok", true},
                          {"lifetime", loopStatsJson(loop_.stats())},
                          {"window", loopStatsJson(loop_.windowStats())}};
    if (req.value("reset", false)) loop_.resetWindow();
    reply(std::move(out));
  });
}

ControlServer::~ControlServer() {
  for (auto& [id, c] : clients_) *c->alive = false;
  if (listen_fd_.valid()) loop_.removeFd(listen_fd_.get());
  if (!path_.empty()) ::unlink(path_.c_str());
}

void ControlServer::addCommand(const std::string& name, CommandHandler handler) {
  commands_[name] = std::move(handler);
}

Status ControlServer::listen(const std::string& path) {
  ASSIGN_OR_RETURN(listen_fd_, event::listenUnix(path, 0600));
  path_ = path;
  return loop_.addFd(listen_fd_.get(), EPOLLIN, [this](uint32_t) { onAccept(); });
}

void ControlServer::onAccept() {
  while (true) {
    auto fd = event::acceptUnix(listen_fd_.get());
    if (!fd.isOk()) return;
    auto client = std::make_unique<Client>();
    Client* c = client.get();
    c->id = next_client_++;
    uint64_t id = c->id;
    c->conn = std::make_unique<event::Connection>(
        loop_, std::move(*fd),
        event::Connection::Handlers{[this, c](std::string_view in) {
                                      size_t used = 0;
                                      std::shared_ptr<bool> alive = c->alive;
                                      while (true) {
                                        size_t nl = in.find('\n', used);
                                        if (nl == std::string_view::npos) break;
                                        onLine(*c, in.substr(used, nl - used));
                                        if (!*alive) return;
                                        used = nl + 1;
                                      }
                                      if (in.size() - used > (1u << 20)) {
                                        c->conn->close("request line longer than 1 MiB");
                                        return;
                                      }
                                      c->conn->consume(used);
                                    },
                                    [this, id](const std::string&) {
                                      // Destroy later: we are inside the connection's own callback.
                                      auto it = clients_.find(id);
                                      if (it == clients_.end()) return;
                                      *it->second->alive = false;
                                      loop_.addTimer(0, [this, id] { clients_.erase(id); });
                                    },
                                    nullptr});
    clients_[id] = std::move(client);
  }
}

void ControlServer::onLine(Client& c, std::string_view line) {
  uint64_t request_id = c.next_request++;
  c.outbox.emplace_back(request_id, std::nullopt);
  std::shared_ptr<bool> alive = c.alive;
  Client* cp = &c;
  Reply reply = [cp, alive, request_id](nlohmann::json response) {
    if (!*alive) return;
    for (auto& [rid, text] : cp->outbox) {
      if (rid == request_id) text = response.dump() + "\n";
    }
    while (!cp->outbox.empty() && cp->outbox.front().second) {
      cp->conn->send(*cp->outbox.front().second);
      cp->outbox.pop_front();
    }
  };
  auto request = nlohmann::json::parse(line, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("cmd") ||
      !request["cmd"].is_string()) {
    reply(error("malformed request: expected one JSON object with a \"cmd\" string per line"));
    return;
  }
  auto it = commands_.find(request["cmd"].get<std::string>());
  if (it == commands_.end()) {
    std::string known;
    for (const auto& [name, h] : commands_) known += (known.empty() ? "" : ", ") + name;
    reply(error("unknown command '" + request["cmd"].get<std::string>() + "' (known: " + known +
                ")"));
    return;
  }
  try {
    it->second(request, reply);
  } catch (const std::exception& e) {  // a JSON type error in a handler: the request was wrong
    reply(error(std::string("bad request: ") + e.what()));
  }
}

nlohmann::json loopStatsJson(const event::LoopStats& loop) {
  return {{"turns", loop.turns},
          {"turns_over_1ms", loop.turns_over_1ms},
          {"turns_over_10ms", loop.turns_over_10ms},
          {"turns_over_20ms", loop.turns_over_20ms},
          {"turns_over_100ms", loop.turns_over_100ms},
          {"longest_turn_ms", static_cast<double>(loop.longest_turn_ns) / 1e6}};
}

Result<nlohmann::json> controlRequest(const std::string& socket_path, const nlohmann::json& request,
                                      int timeout_ms) {
  auto fd = event::connectUnix(socket_path);
  if (!fd.isOk()) {
    return Status::notFound("cannot reach " + socket_path +
                            " (is the daemon running?): " + fd.status().message());
  }
  std::string out = request.dump() + "\n";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t sent = 0;
  std::string in;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0)
      return Status::ioError("no answer from " + socket_path + " within " +
                             std::to_string(timeout_ms) + " ms");
    struct pollfd p {
      fd->get(), static_cast<short>(POLLIN | (sent < out.size() ? POLLOUT : 0)), 0
    };
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::ioError(std::string("poll: ") + std::strerror(errno));
    if (p.revents & POLLOUT) {
      ssize_t w = ::send(fd->get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (w > 0) sent += static_cast<size_t>(w);
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t r = ::read(fd->get(), buf, sizeof(buf));
      if (r > 0) {
        in.append(buf, static_cast<size_t>(r));
        auto nl = in.find('\n');
        if (nl != std::string::npos) {
          auto j = nlohmann::json::parse(in.substr(0, nl), nullptr, false);
          if (j.is_discarded()) return Status::corruption("malformed response from " + socket_path);
          return j;
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        return Status::ioError(socket_path + " closed the connection without an answer");
      }
    }
  }
}

}  // namespace hitless::control
