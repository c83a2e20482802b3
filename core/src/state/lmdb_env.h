// SPDX-License-Identifier: Apache-2.0
// The LMDB side of the state store: owners for MDB_env and MDB_txn, the one
// mapping of LMDB's error codes to Status, and the process-wide registry that
// keeps one MDB_env per directory (LMDB forbids opening an environment twice in
// one process: closing the second would drop the first's file locks).
#pragma once

#include <lmdb.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "sesam/mutex.h"
#include "sesam/state_store.h"
#include "sesam/status.h"

namespace sesam::state::internal {

// What an LMDB call was doing when it failed, for the message.
// `rc` is an LMDB code (MDB_*) or an errno value, as LMDB returns both.
Status MdbStatus(int rc, const std::string& dir, std::string_view doing);

// "owner sesam, mode 0700" (or "missing").
std::string DescribeFile(const std::string& path);

// A transaction, aborted when it goes out of scope unless committed.
class Txn {
 public:
  explicit Txn(MDB_txn* txn) : txn_(txn) {}
  Txn(Txn&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}
  Txn& operator=(Txn&&) = delete;
  ~Txn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  MDB_txn* get() const { return txn_; }
  // LMDB frees the transaction whether or not the commit succeeds.
  int Commit() { return mdb_txn_commit(std::exchange(txn_, nullptr)); }

 private:
  MDB_txn* txn_;
};

// A cursor, closed when it goes out of scope: it must not outlive its
// transaction, so keep it in an inner scope.
struct CursorCloser {
  void operator()(MDB_cursor* cursor) const { mdb_cursor_close(cursor); }
};
using Cursor = std::unique_ptr<MDB_cursor, CursorCloser>;

// One open environment, shared by every Store of this process on that
// directory. Thread-safe (MDB_NOTLS: read transactions are not tied to threads).
class Env {
 public:
  Env(std::string dir, MDB_env* env, MDB_dbi dbi, OpenMode mode);
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  ~Env();

  const std::string& dir() const { return dir_; }
  OpenMode mode() const { return mode_; }
  MDB_dbi dbi() const { return dbi_; }
  std::size_t max_key_size() const;

  // Begins a transaction (flags: 0 or MDB_RDONLY). When the reader table is
  // full, clears the slots of dead processes and tries once more.
  Result<Txn> Begin(unsigned flags);

  // Where the expiry sweep goes on: the first key it has not looked at in
  // this round ("" = from the start). Only touched inside write transactions,
  // which LMDB serialises; the mutex makes that not matter.
  std::string sweep_next() const;
  void set_sweep_next(std::string key);

 private:
  std::string dir_;
  MDB_env* env_;
  MDB_dbi dbi_;
  OpenMode mode_;
  pid_t pid_;  // the process that opened it: a forked child must not close it
  mutable Mutex sweep_mutex_;
  std::string sweep_next_ SESAM_GUARDED_BY(sweep_mutex_);
};

// The environment of `dir` for this process, opened on first use. See
// OpenStore in state_store.h for the errors and for what happens under root.
Result<std::shared_ptr<Env>> AcquireEnv(const std::string& dir, OpenMode mode,
                                        const StoreOptions& options);

}  // namespace sesam::state::internal
