#include "control/control_client.h"

#include <utility>

#include "event/unix_socket.h"

namespace hitless::control {

ControlClient::ControlClient(event::EventLoop& loop, std::string socket_path)
    : loop_(loop), path_(std::move(socket_path)) {}

ControlClient::~ControlClient() {
  *alive_ = false;
  for (auto& p : pending_) loop_.cancelTimer(p.timer);
}

void ControlClient::later(Callback done, Result<nlohmann::json> answer) {
  std::weak_ptr<bool> alive = alive_;
  loop_.addTimer(0, [alive, done = std::move(done), answer = std::move(answer)]() mutable {
    if (auto a = alive.lock(); a && *a) done(std::move(answer));
  });
}

void ControlClient::request(const nlohmann::json& request, int timeout_ms, Callback done) {
  if (!conn_) {
    auto fd = event::connectUnix(path_);
    if (!fd.isOk()) {
      later(std::move(done),
            Status::notFound("cannot reach " + path_ + ": " + fd.status().message()));
      return;
    }
    conn_ = std::make_unique<event::Connection>(
        loop_, std::move(*fd),
        event::Connection::Handlers{[this](std::string_view input) { onData(input); },
                                    [this](const std::string& reason) {
                                      // Deferred: the connection may not be destroyed under its own
                                      // callback's caller.
                                      failAll(path_ + " closed the connection: " + reason);
                                    },
                                    nullptr});
  }
  Pending p{std::move(done), 0};
  p.timer = loop_.addTimer(timeout_ms, [this, timeout_ms] {
    failAll("no answer from " + path_ + " within " + std::to_string(timeout_ms) + " ms");
  });
  pending_.push_back(std::move(p));
  conn_->send(request.dump() + "\n");
}

void ControlClient::onData(std::string_view input) {
  size_t used = 0;
  while (!pending_.empty()) {
    const size_t nl = input.find('\n', used);
    if (nl == std::string_view::npos) break;
    auto answer = nlohmann::json::parse(input.substr(used, nl - used), nullptr, false);
    used = nl + 1;
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    loop_.cancelTimer(p.timer);
    if (answer.is_discarded()) {
      later(std::move(p.done), Status::corruption("malformed answer from " + path_));
    } else {
      later(std::move(p.done), std::move(answer));
    }
  }
  conn_->consume(used);
}

void ControlClient::reset(const std::string& why) { failAll(why); }

void ControlClient::failAll(const std::string& why) {
  std::deque<Pending> failed;
  failed.swap(pending_);
  for (auto& p : failed) {
    loop_.cancelTimer(p.timer);
    later(std::move(p.done), Status::ioError(why));
  }
  if (conn_) {
    // Dropped from the loop, not now: this may run inside the connection's own callback.
    std::shared_ptr<event::Connection> dying(std::move(conn_));
    dying->close(why);
    loop_.addTimer(0, [dying] {});
  }
}

}  // namespace hitless::control
