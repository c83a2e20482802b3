// SPDX-License-Identifier: Apache-2.0
// What healthz says about mail: failures of the last five minutes, counted
// by kind, forgotten after, bounded in memory.
#include "sesam/web/mail_health.h"

// Last: CppUTest redefines operator new for the code that follows.
#include <CppUTest/TestHarness.h>

using namespace sesam::web;

TEST_GROUP(MailHealth) {
  MailHealth::Clock::time_point now = MailHealth::Clock::time_point() + std::chrono::hours(1);
};

TEST(MailHealth, AcceptedMailIsHealthy) {
  MailHealth health([this] { return now; });
  CHECK_FALSE(health.Get().failing());
  health.Record(DeliveryAttempt::kAccepted);
  CHECK_FALSE(health.Get().failing());
}

TEST(MailHealth, FailuresCountForFiveMinutes) {
  MailHealth health([this] { return now; });
  health.Record(DeliveryAttempt::kDeferred);
  now += std::chrono::minutes(2);
  health.Record(DeliveryAttempt::kRefused);
  health.Record(DeliveryAttempt::kDeferred);
  // Mail that gets through again does not hide the failures of the window.
  health.Record(DeliveryAttempt::kAccepted);
  MailHealth::Report report = health.Get();
  CHECK_TRUE(report.failing());
  LONGS_EQUAL(2, report.deferred);
  LONGS_EQUAL(1, report.refused);
  STRCMP_EQUAL("2 deferred, 1 refused in the last 5 minutes", report.ToString().c_str());
  now += std::chrono::minutes(3);  // the first is five minutes old
  report = health.Get();
  LONGS_EQUAL(1, report.deferred);
  LONGS_EQUAL(1, report.refused);
  now += std::chrono::minutes(2);
  CHECK_FALSE(health.Get().failing());
}

TEST(MailHealth, AnOutageAtFullRateIsRememberedWithinABound) {
  MailHealth health([this] { return now; });
  for (std::size_t i = 0; i < MailHealth::kMaxRemembered + 500; ++i) {
    health.Record(DeliveryAttempt::kDeferred);
  }
  LONGS_EQUAL(MailHealth::kMaxRemembered, health.Get().deferred);
}
