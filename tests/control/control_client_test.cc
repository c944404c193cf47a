// ControlClient against a real ControlServer on a Unix socket, both on one EventLoop: answers
// in order, a timeout that fails the request and never hands its late answer to the next one,
// an unreachable socket, a restarted server, and no callback from inside request().
#include "control/control_client.h"

#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "control/control_server.h"
#include "event/event_loop.h"

namespace hitless::control {
namespace {

using nlohmann::json;

class ControlClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/hitless-ctlclient-" + std::to_string(::getpid());
    ::mkdir(dir_.c_str(), 0700);
    path_ = dir_ + "/d.ctl";
    startServer();
  }
  void TearDown() override {
    server_.reset();
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  void startServer() {
    server_ = std::make_unique<ControlServer>(loop_);
    server_->addCommand("echo", [](const json& r, Reply reply) {
      reply({{"ok", true}, {"n", r.value("n", 0)}});
    });
    // Answers only when told to (a busy daemon).
    server_->addCommand("slow", [this](const json&, Reply reply) { held_.push_back(reply); });
    ASSERT_TRUE(server_->listen(path_).isOk());
  }
  // Runs the loop until `done` holds (bounded).
  template <typename F>
  bool runUntil(F done, int64_t max_ms = 5000) {
    for (int64_t waited = 0; !done() && waited < max_ms; waited += 10) loop_.runOnce(10);
    return done();
  }

  event::EventLoop loop_;
  std::string dir_, path_;
  std::unique_ptr<ControlServer> server_;
  std::vector<Reply> held_;
};

TEST_F(ControlClientTest, AnswersComeInOrderAndNeverFromInsideRequest) {
  ControlClient client(loop_, path_);
  std::vector<int> got;
  for (int n = 1; n <= 3; ++n) {
    client.request({{"cmd", "echo"}, {"n", n}}, 1000, [&](Result<json> r) {
      ASSERT_TRUE(r.isOk()) << r.status().message();
      got.push_back((*r)["n"].get<int>());
    });
  }
  EXPECT_TRUE(got.empty());  // nothing yet: the loop has not run
  ASSERT_TRUE(runUntil([&] { return got.size() == 3; }));
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(client.inFlight(), 0u);
}

// Every server answers loop-stats itself; {"reset": true} answers the window so far, then
// restarts it.
TEST_F(ControlClientTest, EveryServerAnswersLoopStatsAndResetsItsWindow) {
  ControlClient client(loop_, path_);
  std::vector<json> answers;
  auto ask = [&](bool reset) {
    client.request({{"cmd", "loop-stats"}, {"reset", reset}}, 1000, [&](Result<json> r) {
      ASSERT_TRUE(r.isOk()) << r.status().message();
      answers.push_back(*r);
    });
  };
  ask(true);
  ASSERT_TRUE(runUntil([&] { return answers.size() == 1; }));
  ask(false);
  ASSERT_TRUE(runUntil([&] { return answers.size() == 2; }));
  const json& before = answers[0];
  const json& after = answers[1];
  ASSERT_TRUE(before["ok"].get<bool>());
  for (const char* key : {"turns", "turns_over_20ms", "longest_turn_ms"}) {
    EXPECT_TRUE(after["window"].contains(key)) << key;
  }
  EXPECT_GT(before["window"]["turns"].get<uint64_t>(), 0u);
  // The window restarted at the first answer; the lifetime count went on from where it was.
  EXPECT_LT(after["window"]["turns"].get<uint64_t>(), after["lifetime"]["turns"].get<uint64_t>());
  EXPECT_GE(after["lifetime"]["turns"].get<uint64_t>(),
            before["lifetime"]["turns"].get<uint64_t>());
}

TEST_F(ControlClientTest, ATimeoutFailsTheRequestAndItsLateAnswerReachesNobody) {
  ControlClient client(loop_, path_);
  std::optional<Result<json>> slow, next;
  client.request({{"cmd", "slow"}}, 50, [&](Result<json> r) { slow = std::move(r); });
  ASSERT_TRUE(runUntil([&] { return slow.has_value(); }));
  EXPECT_FALSE(slow->isOk());
  EXPECT_NE(slow->status().message().find("within 50 ms"), std::string::npos)
      << slow->status().message();
  // The daemon answers late; the next request must get its own answer, not that one.
  ASSERT_EQ(held_.size(), 1u);
  held_[0]({{"ok", true}, {"n", 999}});
  client.request({{"cmd", "echo"}, {"n", 7}}, 1000, [&](Result<json> r) { next = std::move(r); });
  ASSERT_TRUE(runUntil([&] { return next.has_value(); }));
  ASSERT_TRUE(next->isOk()) << next->status().message();
  EXPECT_EQ((**next)["n"], 7);
}

TEST_F(ControlClientTest, AnUnreachableSocketFailsThenARestartedServerAnswers) {
  server_.reset();
  ::unlink(path_.c_str());
  ControlClient client(loop_, path_);
  std::optional<Result<json>> first, second;
  client.request({{"cmd", "echo"}}, 1000, [&](Result<json> r) { first = std::move(r); });
  EXPECT_FALSE(first.has_value());  // reported from the loop, not from request()
  ASSERT_TRUE(runUntil([&] { return first.has_value(); }));
  EXPECT_FALSE(first->isOk());
  EXPECT_NE(first->status().message().find("cannot reach"), std::string::npos);
  startServer();
  client.request({{"cmd", "echo"}, {"n", 2}}, 1000, [&](Result<json> r) { second = std::move(r); });
  ASSERT_TRUE(runUntil([&] { return second.has_value(); }));
  ASSERT_TRUE(second->isOk()) << second->status().message();
  EXPECT_EQ((**second)["n"], 2);
}

TEST_F(ControlClientTest, AServerThatGoesAwayFailsWhatIsInFlight) {
  ControlClient client(loop_, path_);
  std::optional<Result<json>> r1;
  client.request({{"cmd", "slow"}}, 5000, [&](Result<json> r) { r1 = std::move(r); });
  ASSERT_TRUE(runUntil([&] { return held_.size() == 1; }));
  held_.clear();
  server_.reset();  // the daemon exits: its connections close
  ASSERT_TRUE(runUntil([&] { return r1.has_value(); }));
  EXPECT_FALSE(r1->isOk());
}

TEST_F(ControlClientTest, ResetFailsWhatIsInFlightAndTheClientCanBeDestroyedAfter) {
  auto client = std::make_unique<ControlClient>(loop_, path_);
  bool called = false;
  client->request({{"cmd", "slow"}}, 5000, [&](Result<json>) { called = true; });
  client->reset("replaced");
  client.reset();  // destroyed before the loop ran: the failure is not delivered to a dead owner
  for (int i = 0; i < 5; ++i) loop_.runOnce(10);
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace hitless::control
