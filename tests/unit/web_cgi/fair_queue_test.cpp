// SPDX-License-Identifier: Apache-2.0
// The forgot queue's fairness: clients take turns, a full queue drops from the
// client with the most waiting, identical requests merge.
#include "fair_queue.h"

#include <string>

// Last: CppUTest redefines operator new for the code that follows.
#include <CppUTest/TestHarness.h>

using namespace sesam::web;

namespace {

FairQueue::Pushed Push(FairQueue& queue, const std::string& ip, const std::string& username) {
  ForgotRequest request{username, "a@school.be", ip, "nl"};
  return queue.Push(ClientKeyOf(ip), username + "\n" + ip, std::move(request));
}

std::string PopName(FairQueue& queue) {
  auto request = queue.Pop();
  return request ? request->username : "(empty)";
}

}  // namespace

TEST_GROUP(FairQueue){};

TEST(FairQueue, ClientsTakeTurns) {
  FairQueue queue(100);
  for (int i = 1; i <= 5; ++i) Push(queue, "192.0.2.1", "flood." + std::to_string(i));
  Push(queue, "198.51.100.9", "lone");
  Push(queue, "203.0.113.4", "other.1");
  Push(queue, "203.0.113.4", "other.2");
  LONGS_EQUAL(8, queue.size());
  LONGS_EQUAL(3, queue.clients());
  for (const char* expected : {"flood.1", "lone", "other.1", "flood.2", "other.2", "flood.3",
                               "flood.4", "flood.5", "(empty)"}) {
    STRCMP_EQUAL(expected, PopName(queue).c_str());
  }
  CHECK_TRUE(queue.empty());
  LONGS_EQUAL(0, queue.clients());
}

TEST(FairQueue, AClientThatEmptiedItsLineQueuesAtTheBack) {
  FairQueue queue(100);
  Push(queue, "192.0.2.1", "a.1");
  Push(queue, "192.0.2.2", "b.1");
  STRCMP_EQUAL("a.1", PopName(queue).c_str());
  Push(queue, "192.0.2.1", "a.2");
  STRCMP_EQUAL("b.1", PopName(queue).c_str());
  STRCMP_EQUAL("a.2", PopName(queue).c_str());
}

TEST(FairQueue, OneIpv6Slash64AndOneIpv4AddressAreOneClientEach) {
  FairQueue queue(100);
  Push(queue, "2001:db8:1:2::1", "v6.1");
  Push(queue, "2001:db8:1:2:ffff::9", "v6.2");
  Push(queue, "192.0.2.7", "v4.1");
  Push(queue, "::ffff:192.0.2.7", "v4.2");
  Push(queue, "2001:db8:1:3::1", "v6.other");
  LONGS_EQUAL(3, queue.clients());
  for (const char* expected : {"v6.1", "v4.1", "v6.other", "v6.2", "v4.2"}) {
    STRCMP_EQUAL(expected, PopName(queue).c_str());
  }
}

TEST(FairQueue, AFullQueueDropsFromTheHeaviestClient) {
  FairQueue queue(4);
  for (int i = 1; i <= 4; ++i) {
    CHECK_TRUE(FairQueue::Pushed::kQueued ==
               Push(queue, "192.0.2.1", "flood." + std::to_string(i)));
  }
  // The flood's newest request makes room for the visitor...
  CHECK_TRUE(FairQueue::Pushed::kDisplaced == Push(queue, "198.51.100.9", "lone"));
  LONGS_EQUAL(4, queue.size());
  // ...and the flood's next request is its own loss, not the visitor's.
  CHECK_TRUE(FairQueue::Pushed::kDropped == Push(queue, "192.0.2.1", "flood.5"));
  // A second visitor again displaces the flood (3 waiting), not the first (1).
  CHECK_TRUE(FairQueue::Pushed::kDisplaced == Push(queue, "203.0.113.4", "second"));
  // Two against two: the newcomer's own client holds as many as the heaviest.
  CHECK_TRUE(FairQueue::Pushed::kDropped == Push(queue, "192.0.2.1", "flood.6"));
  for (const char* expected : {"flood.1", "lone", "second", "flood.2", "(empty)"}) {
    STRCMP_EQUAL(expected, PopName(queue).c_str());
  }
}

TEST(FairQueue, IdenticalRequestsMergeWhoeverSendsThem) {
  FairQueue queue(2);
  Push(queue, "192.0.2.1", "jan");
  CHECK_TRUE(FairQueue::Pushed::kMerged ==
             queue.Push(ClientKeyOf("198.51.100.9"), "jan\n192.0.2.1", {"jan", "", "", "nl"}));
  Push(queue, "192.0.2.1", "piet");
  // Full, but a merge takes no room.
  CHECK_TRUE(FairQueue::Pushed::kMerged ==
             queue.Push(ClientKeyOf("192.0.2.1"), "piet\n192.0.2.1", {"piet", "", "", "nl"}));
  const auto jan = queue.Pop();
  LONGS_EQUAL(1, jan->merged);
  // Once taken out, the same request queues anew.
  CHECK_TRUE(FairQueue::Pushed::kQueued == Push(queue, "192.0.2.1", "jan"));
}

TEST(FairQueue, ALoneRequestWaitsOneTurnOfEveryClientAtMost) {
  // A sprayed flood: 1000 addresses, two requests each, in a queue of 1200.
  FairQueue queue(1200);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 1000; ++i) {
      Push(queue, "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250),
           "flood." + std::to_string(round) + "." + std::to_string(i));
    }
  }
  LONGS_EQUAL(1200, queue.size());
  CHECK_TRUE(FairQueue::Pushed::kDisplaced == Push(queue, "198.51.100.9", "lone"));
  std::size_t turns = 0;
  while (PopName(queue) != "lone") {
    ++turns;
    CHECK_TRUE(turns <= 1000);
  }
  CHECK_TRUE(turns >= 200);  // behind the clients already waiting, not first
}

TEST(FairQueue, ClearEmptiesEverything) {
  FairQueue queue(10);
  Push(queue, "192.0.2.1", "a");
  Push(queue, "192.0.2.2", "b");
  queue.Clear();
  CHECK_TRUE(queue.empty());
  LONGS_EQUAL(0, queue.clients());
  STRCMP_EQUAL("(empty)", PopName(queue).c_str());
  CHECK_TRUE(FairQueue::Pushed::kQueued == Push(queue, "192.0.2.1", "a"));
}
