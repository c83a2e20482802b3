// SPDX-License-Identifier: Apache-2.0
#include "sesam/status.h"

#include <CppUTest/TestHarness.h>

#include <memory>

using sesam::Result;
using sesam::Status;
using sesam::StatusCode;

TEST_GROUP(Status){};

TEST(Status, DefaultIsOk) {
  const Status status;
  CHECK_TRUE(status.ok());
  STRCMP_EQUAL("OK", status.ToString().c_str());
}

TEST(Status, CarriesCodeMessageAndReason) {
  const Status status(StatusCode::kUnavailable, "slapd is down", "ldap.down");
  CHECK_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kUnavailable);
  STRCMP_EQUAL("Unavailable: slapd is down", status.ToString().c_str());
  STRCMP_EQUAL("ldap.down", status.reason().c_str());
}

TEST(Status, WithContextPrefixesTheMessageAndKeepsCode) {
  const Status status = sesam::NotFoundError("no entry").WithContext("lookup jan");
  CHECK(status.code() == StatusCode::kNotFound);
  STRCMP_EQUAL("lookup jan: no entry", status.message().c_str());
  CHECK_TRUE(Status::Ok().WithContext("ignored").ok());
}

namespace {
Result<int> Half(int n) {
  if (n % 2 != 0) return sesam::InvalidArgumentError("odd");
  return n / 2;
}
Result<int> Quarter(int n) {
  SESAM_ASSIGN_OR_RETURN(int half, Half(n));
  SESAM_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}
Status CheckEven(int n) {
  SESAM_RETURN_IF_ERROR(Half(n).status());
  return Status::Ok();
}
}  // namespace

TEST(Status, ResultHoldsValueOrError) {
  const Result<int> good = Half(8);
  CHECK_TRUE(good.ok());
  LONGS_EQUAL(4, *good);
  const Result<int> bad = Half(3);
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  LONGS_EQUAL(7, bad.value_or(7));
}

TEST(Status, MacrosPropagateTheFirstError) {
  LONGS_EQUAL(2, *Quarter(8));
  CHECK_FALSE(Quarter(6).ok());  // 6/2 = 3 is odd
  STRCMP_EQUAL("odd", Quarter(6).status().message().c_str());
  CHECK_TRUE(CheckEven(2).ok());
  CHECK_FALSE(CheckEven(1).ok());
}

TEST(Status, ResultWorksWithMoveOnlyTypes) {
  Result<std::unique_ptr<int>> result(std::make_unique<int>(5));
  std::unique_ptr<int> taken = std::move(result).value();
  LONGS_EQUAL(5, *taken);
}
