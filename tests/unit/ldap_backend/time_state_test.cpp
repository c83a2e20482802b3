// SPDX-License-Identifier: Apache-2.0
#include "time_state.h"

#include <CppUTest/TestHarness.h>

#include <string>

#include "text.h"

using sesam::ldap::internal::Entry;
using sesam::ldap::internal::PasswordState;
using sesam::ldap::internal::PasswordStateFromTime;

namespace {
Entry With(std::initializer_list<std::pair<const char*, const char*>> attributes) {
  Entry entry;
  entry.dn = "uid=jan.selle,ou=people,dc=school,dc=test";
  for (const auto& [name, value] : attributes) entry.attributes.push_back({name, {value}});
  return entry;
}
}  // namespace

TEST_GROUP(TimeState){};

TEST(TimeState, PwdChangedTimeIsItsOwnStamp) {
  const auto changed =
      PasswordStateFromTime(With({{"pwdChangedTime", "20261202101500Z"}}), "pwdChangedTime");
  CHECK_TRUE(changed.readable);
  STRCMP_EQUAL(PasswordState({"pwdChangedTime:20261202101500Z"}, "").c_str(),
               changed.state.c_str());
  // Never changed: a state as well, and a stable one.
  const auto never =
      PasswordStateFromTime(With({{"modifyTimestamp", "20261202101500Z"}}), "pwdChangedTime");
  CHECK_TRUE(never.readable);
  STRCMP_EQUAL(PasswordState({"pwdChangedTime:"}, "").c_str(), never.state.c_str());
}

// 389 without passwordTrackUpdateTime, or before the account's first change:
// modifyTimestamp stands in, and the first tracked change moves the state.
TEST(TimeState, PwdUpdateTimeFallsBackToModifyTimestamp) {
  const auto untracked =
      PasswordStateFromTime(With({{"modifyTimestamp", "20261202101500Z"}}), "pwdUpdateTime");
  CHECK_TRUE(untracked.readable);
  const auto changed =
      PasswordStateFromTime(With({{"modifyTimestamp", "20261202101733Z"}}), "pwdUpdateTime");
  CHECK_TRUE(untracked.state != changed.state);
  const auto tracked = PasswordStateFromTime(
      With({{"pwdUpdateTime", "20261202101733Z"}, {"modifyTimestamp", "20261202101733Z"}}),
      "pwdUpdateTime");
  CHECK_TRUE(tracked.state != changed.state);
  // Once tracked, other changes of the entry leave the state alone.
  const auto renamed = PasswordStateFromTime(
      With({{"pwdUpdateTime", "20261202101733Z"}, {"modifyTimestamp", "20261203080000Z"}}),
      "pwdUpdateTime");
  STRCMP_EQUAL(tracked.state.c_str(), renamed.state.c_str());
}

// Neither readable: no read repeats the state, so no link can match it.
TEST(TimeState, NothingReadableFailsClosed) {
  const auto first = PasswordStateFromTime(With({}), "pwdUpdateTime");
  const auto second = PasswordStateFromTime(With({}), "pwdUpdateTime");
  CHECK_FALSE(first.readable);
  CHECK_FALSE(second.readable);
  CHECK_TRUE(first.state != second.state);
}
