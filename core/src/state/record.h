// SPDX-License-Identifier: Apache-2.0
// The value stored under each key: a compact binary record, little-endian,
// fixed-width fields.
//
//   u8  version      kRecordVersion; a future format gets a new number
//   u32 retention    seconds: the longest window Admit was given for this key
//   u32 count        number of events that follow, oldest first
//   count times:
//     i64 at         unix seconds
//     u8  id_size    1..kMaxIdSize
//     id_size bytes  the id
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/state_store.h"
#include "sesam/status.h"

namespace sesam::state::internal {

inline constexpr std::uint8_t kRecordVersion = 1;

struct Record {
  std::uint32_t retention = 0;  // seconds
  std::vector<Event> events;    // oldest first
};

std::string EncodeRecord(const Record& record);

// InvalidArgument saying what is wrong when `bytes` is not a record of this
// version (the caller turns it into DataLoss with the file's path). Never reads
// past `bytes`, whatever it holds.
Result<Record> DecodeRecord(std::string_view bytes);

}  // namespace sesam::state::internal
