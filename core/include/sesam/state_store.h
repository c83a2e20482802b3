// SPDX-License-Identifier: Apache-2.0
// A host-local store of windowed event counts: per-recipient and per-account
// reset counters that every sesam-fcgi process and the `sesam` command on the
// same host share, and that survive restarts and crashes.
//
// On disk: LMDB (the engine under slapd) in a directory, normally
// /var/lib/sesam (`[web] state_dir`, systemd StateDirectory=sesam): data.mdb
// holds the records, lock.mdb the lock table that serialises writers across
// processes. Every write is one LMDB transaction, committed durably (fsync)
// before the call returns, so a crash loses nothing that was acknowledged.
//
// Threads: a Store may be shared by any number of threads. Processes: any
// number may open the same directory. Within one process every OpenStore of
// the same directory shares one LMDB environment (LMDB forbids opening it
// twice), so opening it again is cheap. After fork(), a child must not use a
// Store its parent opened: it calls OpenStore itself.
//
// Size: the map is fixed (kDefaultMapSize, 64 MiB). A 4 MiB map held 19 828
// keys of 32 bytes with three events each, so 64 MiB holds some 300 000. An
// Admit costs one fsync (0.5 ms, measured on the development VM's disk). Keys
// whose newest event is older than their retention (the longest window Admit
// was given for the key, at least kMinRetention) are removed a few at a time
// by Admit, so the file stays small. When the map is full anyway, writes fail
// with ResourceExhausted (reason kReasonFull): callers fail closed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/status.h"

namespace sesam::state {

struct Event {
  std::int64_t at = 0;  // unix seconds
  std::string id;       // opaque, 1 to kMaxIdSize bytes, unique within its key

  friend bool operator==(const Event&, const Event&) = default;
};

enum class OpenMode { kReadWrite, kReadOnly };

// Status reasons, for callers that must tell the two ResourceExhausted apart.
inline constexpr std::string_view kReasonLimit = "state.limit";  // Admit: `limit` reached
inline constexpr std::string_view kReasonFull = "state.full";    // the map is full

inline constexpr std::size_t kMaxIdSize = 64;
inline constexpr std::size_t kDefaultMapSize = std::size_t{64} << 20;
// A key is kept at least this long after its newest event, whatever its window.
inline constexpr std::chrono::seconds kMinRetention = std::chrono::hours(48);
// The longest window accepted (InvalidArgument beyond).
inline constexpr std::chrono::seconds kMaxWindow = std::chrono::hours(24 * 366);

// An event counts within `window` while now - at < window: an event exactly
// `window` old has expired. `now` is the caller's clock; Admit's expiry sweep
// uses it too, so every caller on the host passes the same clock.
// Arguments are checked first: an empty key or one longer than 511 bytes, an
// empty id or one longer than kMaxIdSize, a negative `now`, a window outside
// [0, kMaxWindow] -> InvalidArgument. A record that does not parse -> DataLoss
// naming the file (Clear removes it). A Store opened kReadOnly answers writes
// with FailedPrecondition.
class Store {
 public:
  virtual ~Store() = default;
  // Atomically across threads AND processes: drops the events of `key` that are older than
  // now - window; when `limit` > 0 and `limit` events remain -> ResourceExhausted (reason
  // "state.limit"), nothing recorded; otherwise appends {now, id}. Returns the events of
  // `key` after the call (oldest first). `key` is opaque bytes (callers pass keyed hashes,
  // e.g. 32-byte HMACs; never a username or address).
  // An `id` already among the key's remaining events -> AlreadyExists, nothing recorded.
  virtual Result<std::vector<Event>> Admit(std::string_view key, unsigned limit,
                                           std::chrono::seconds window, std::int64_t now,
                                           std::string_view id) = 0;
  // Removes the event `id` of `key`; OK when it is not there.
  virtual Status Remove(std::string_view key, std::string_view id) = 0;
  // The events of `key` newer than now - window, oldest first (read-only transaction).
  virtual Result<std::vector<Event>> Events(std::string_view key, std::chrono::seconds window,
                                            std::int64_t now) = 0;
  // Removes every event of `key`.
  virtual Status Clear(std::string_view key) = 0;
  // Proves the store is usable: a read and, for kReadWrite, a write transaction that is
  // aborted. The error says what is wrong and how to fix it (path, owner, mode).
  // Also FailedPrecondition when data.mdb or lock.mdb is not owned by the directory's
  // owner (the service user could not open it).
  virtual Status Check() = 0;
};

// For tests: a map smaller than kDefaultMapSize fills up quickly. Every process
// opening a directory must use the same size; within a process the first
// OpenStore of a directory decides.
struct StoreOptions {
  std::size_t map_size = kDefaultMapSize;
};

// Opens or creates the store in directory `dir` (which must exist; the caller creates nothing
// else). Errors name the path: missing dir -> NotFound, not writable -> PermissionDenied,
// corrupt/incompatible file -> DataLoss or FailedPrecondition, with a message an admin can act on.
// kReadOnly never creates a file: NotFound when `dir` holds no data.mdb yet.
// In one process, a directory first opened kReadOnly cannot also be opened
// kReadWrite while that Store lives (FailedPrecondition); the other way round works.
//
// Run as root on a directory owned by another user (the admin's `sesam` command on
// /var/lib/sesam, owned by the service user), the files are opened with that user's
// file-system rights (setfsuid), so the files it creates belong to that user (mode
// 0600) and the service can still open them afterwards; root takes nothing over.
Result<std::unique_ptr<Store>> OpenStore(const std::string& dir,
                                         OpenMode mode = OpenMode::kReadWrite);
Result<std::unique_ptr<Store>> OpenStore(const std::string& dir, OpenMode mode,
                                         const StoreOptions& options);

}  // namespace sesam::state
