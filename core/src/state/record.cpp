// SPDX-License-Identifier: Apache-2.0
#include "record.h"

namespace sesam::state::internal {
namespace {

constexpr std::size_t kHeaderSize = 1 + 4 + 4;
constexpr std::size_t kMinEventSize = 8 + 1 + 1;

void PutLe(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// Reads `bytes` little-endian bytes at `pos`; the caller has checked the size.
std::uint64_t GetLe(std::string_view in, std::size_t pos, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= std::uint64_t{static_cast<unsigned char>(in[pos + static_cast<std::size_t>(i)])}
             << (8 * i);
  }
  return value;
}

}  // namespace

std::string EncodeRecord(const Record& record) {
  std::string out;
  out.reserve(kHeaderSize + record.events.size() * (9 + kMaxIdSize));
  out.push_back(static_cast<char>(kRecordVersion));
  PutLe(out, record.retention, 4);
  PutLe(out, record.events.size(), 4);
  for (const Event& event : record.events) {
    PutLe(out, static_cast<std::uint64_t>(event.at), 8);
    PutLe(out, event.id.size(), 1);
    out.append(event.id);
  }
  return out;
}

Result<Record> DecodeRecord(std::string_view in) {
  if (in.size() < kHeaderSize) {
    return InvalidArgumentError("a record of " + std::to_string(in.size()) +
                                " bytes is shorter than its header");
  }
  const auto version = static_cast<unsigned char>(in[0]);
  if (version != kRecordVersion) {
    return InvalidArgumentError("a record has format version " + std::to_string(version) +
                                "; this Sesam reads version " + std::to_string(kRecordVersion));
  }
  Record record;
  record.retention = static_cast<std::uint32_t>(GetLe(in, 1, 4));
  const std::uint64_t count = GetLe(in, 5, 4);
  // Checked before reserving, so a corrupt count cannot ask for gigabytes.
  if (count > (in.size() - kHeaderSize) / kMinEventSize) {
    return InvalidArgumentError("a record claims " + std::to_string(count) + " events but holds " +
                                std::to_string(in.size()) + " bytes");
  }
  record.events.reserve(count);
  std::size_t pos = kHeaderSize;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (in.size() - pos < 9) return InvalidArgumentError("a record ends inside an event");
    Event event;
    event.at = static_cast<std::int64_t>(GetLe(in, pos, 8));
    const std::size_t id_size = GetLe(in, pos + 8, 1);
    pos += 9;
    if (id_size == 0 || id_size > kMaxIdSize || in.size() - pos < id_size) {
      return InvalidArgumentError("a record holds an event id of " + std::to_string(id_size) +
                                  " bytes");
    }
    event.id.assign(in.substr(pos, id_size));
    pos += id_size;
    record.events.push_back(std::move(event));
  }
  if (pos != in.size()) {
    return InvalidArgumentError("a record has " + std::to_string(in.size() - pos) +
                                " bytes after its last event");
  }
  return record;
}

}  // namespace sesam::state::internal
