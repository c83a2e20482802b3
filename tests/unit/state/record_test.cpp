// SPDX-License-Identifier: Apache-2.0
// The on-disk record: its exact bytes, and that no input makes the decoder
// read out of bounds, allocate wildly or accept garbage.
#include "record.h"

#include <random>
#include <string>

#include "state_test_util.h"

using sesam::state::Event;
using sesam::state::internal::DecodeRecord;
using sesam::state::internal::EncodeRecord;
using sesam::state::internal::Record;

namespace {

Record Sample() {
  Record record;
  record.retention = 3600;
  record.events = {Event{0x0102030405060708, "ab"}, Event{-1, std::string(64, 'z')}};
  return record;
}

}  // namespace

TEST_GROUP(StateRecord){};

TEST(StateRecord, HasTheDocumentedLittleEndianLayout) {
  Record record;
  record.retention = 3600;
  record.events = {Event{0x0102030405060708, "ab"}};
  const std::string expected(
      "\x01"                              // version
      "\x10\x0e\x00\x00"                  // retention 3600
      "\x01\x00\x00\x00"                  // one event
      "\x08\x07\x06\x05\x04\x03\x02\x01"  // at
      "\x02"
      "ab",
      20);
  CHECK_TRUE(EncodeRecord(record) == expected);
}

TEST(StateRecord, RoundTrips) {
  const Record record = Sample();
  auto decoded = DecodeRecord(EncodeRecord(record));
  CHECK_OK(decoded.status());
  LONGS_EQUAL(3600, decoded->retention);
  CHECK_TRUE(decoded->events == record.events);
}

TEST(StateRecord, EveryTruncationIsRefused) {
  const std::string bytes = EncodeRecord(Sample());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    CHECK_FALSE_TEXT(DecodeRecord(bytes.substr(0, size)).ok(), std::to_string(size).c_str());
  }
}

TEST(StateRecord, TrailingBytesAreRefused) {
  auto decoded = DecodeRecord(EncodeRecord(Sample()) + "x");
  CHECK_TRUE(state_test::Contains(decoded.status().message(), "after its last event"));
}

TEST(StateRecord, AnotherVersionIsRefusedByName) {
  std::string bytes = EncodeRecord(Sample());
  bytes[0] = 2;
  auto decoded = DecodeRecord(bytes);
  CHECK_TRUE(state_test::Contains(decoded.status().message(), "format version 2"));
}

TEST(StateRecord, AHugeCountIsRefusedBeforeAllocating) {
  const std::string bytes("\x01\x00\x00\x00\x00\xff\xff\xff\xff", 9);
  auto decoded = DecodeRecord(bytes);
  CHECK_TRUE(state_test::Contains(decoded.status().message(), "claims 4294967295 events"));
}

TEST(StateRecord, IdSizesOutsideOneTo64AreRefused) {
  Record record;
  record.events = {Event{1, "x"}};
  std::string bytes = EncodeRecord(record);
  bytes[17] = 0;  // id size
  CHECK_FALSE(DecodeRecord(bytes.substr(0, 18)).ok());
  record.events = {Event{1, std::string(65, 'x')}};
  CHECK_FALSE(DecodeRecord(EncodeRecord(record)).ok());
}

TEST(StateRecord, RandomBytesNeverCrash) {
  std::mt19937 random(42);
  std::string bytes;
  for (int round = 0; round < 20000; ++round) {
    bytes.resize(random() % 64);
    for (char& c : bytes) c = static_cast<char>(random());
    if (!bytes.empty() && round % 2 == 0) bytes[0] = 1;  // get past the version check
    (void)DecodeRecord(bytes);
  }
}
