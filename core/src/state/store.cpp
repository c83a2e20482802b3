// SPDX-License-Identifier: Apache-2.0
// The LMDB-backed Store. Each call is one transaction; Admit reads, decides and
// writes inside one write transaction, which LMDB serialises across threads and
// processes (the writer mutex lives in lock.mdb), so the limit holds exactly.
#include <sys/stat.h>

#include <algorithm>
#include <optional>

#include "lmdb_env.h"
#include "record.h"

namespace sesam::state {
namespace {

using internal::Cursor;
using internal::Env;
using internal::MdbStatus;
using internal::Record;
using internal::Txn;

// Keys the expiry sweep looks at per Admit. Admit adds at most one key, so a
// sweep of more than one per call gets round the whole file faster than it
// grows: keys outlive their retention by at most one round.
constexpr int kSweepBatch = 8;

MDB_val ToVal(std::string_view bytes) {
  // LMDB reads keys and values through this pointer, never writes.
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

std::string_view FromVal(const MDB_val& val) {
  return {static_cast<const char*>(val.mv_data), val.mv_size};
}

Status CheckWindow(std::chrono::seconds window, std::int64_t now) {
  if (window.count() < 0 || window > kMaxWindow) {
    return InvalidArgumentError("a state window must be 0 to " +
                                std::to_string(kMaxWindow.count()) + " seconds, not " +
                                std::to_string(window.count()));
  }
  if (now < 0) return InvalidArgumentError("a negative time (" + std::to_string(now) + ")");
  return Status::Ok();
}

Status CheckId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdSize) {
    return InvalidArgumentError("a state event id must be 1 to " + std::to_string(kMaxIdSize) +
                                " bytes, not " + std::to_string(id.size()));
  }
  return Status::Ok();
}

// True when the key's newest event is older than its retention.
bool Expired(const Record& record, std::int64_t now) {
  const std::int64_t retention = std::max<std::int64_t>(record.retention, kMinRetention.count());
  return std::all_of(record.events.begin(), record.events.end(),
                     [&](const Event& event) { return event.at <= now - retention; });
}

class LmdbStore final : public Store {
 public:
  LmdbStore(std::shared_ptr<Env> env, OpenMode mode) : env_(std::move(env)), mode_(mode) {}

  Result<std::vector<Event>> Admit(std::string_view key, unsigned limit,
                                   std::chrono::seconds window, std::int64_t now,
                                   std::string_view id) override {
    SESAM_RETURN_IF_ERROR(CheckWrite(key));
    SESAM_RETURN_IF_ERROR(CheckWindow(window, now));
    SESAM_RETURN_IF_ERROR(CheckId(id));
    SESAM_ASSIGN_OR_RETURN(Txn txn, env_->Begin(0));
    SESAM_ASSIGN_OR_RETURN(std::optional<Record> stored, Read(txn, key));
    Record record = std::move(stored).value_or(Record{});
    const std::int64_t cutoff = now - window.count();
    std::erase_if(record.events, [&](const Event& event) { return event.at <= cutoff; });
    if (limit > 0 && record.events.size() >= limit) {
      return Status(StatusCode::kResourceExhausted,
                    "the limit of " + std::to_string(limit) + " in " +
                        std::to_string(window.count()) + " seconds is reached",
                    std::string(kReasonLimit));
    }
    if (std::any_of(record.events.begin(), record.events.end(),
                    [&](const Event& event) { return event.id == id; })) {
      return AlreadyExistsError("the event id is already recorded for this key");
    }
    // Oldest first even when another process's clock is a little behind.
    const auto at =
        std::upper_bound(record.events.begin(), record.events.end(), now,
                         [](std::int64_t time, const Event& event) { return time < event.at; });
    record.events.insert(at, Event{now, std::string(id)});
    record.retention = std::max(record.retention, static_cast<std::uint32_t>(window.count()));
    SESAM_RETURN_IF_ERROR(Write(txn, key, record));
    std::string sweep_next = env_->sweep_next();
    SESAM_RETURN_IF_ERROR(Sweep(txn, now, sweep_next));
    SESAM_RETURN_IF_ERROR(Commit(txn));
    env_->set_sweep_next(std::move(sweep_next));
    return std::move(record.events);
  }

  Status Remove(std::string_view key, std::string_view id) override {
    SESAM_RETURN_IF_ERROR(CheckWrite(key));
    SESAM_RETURN_IF_ERROR(CheckId(id));
    SESAM_ASSIGN_OR_RETURN(Txn txn, env_->Begin(0));
    SESAM_ASSIGN_OR_RETURN(std::optional<Record> record, Read(txn, key));
    if (!record || std::erase_if(record->events, [&](const Event& e) { return e.id == id; }) == 0) {
      return Status::Ok();
    }
    SESAM_RETURN_IF_ERROR(Write(txn, key, *record));
    return Commit(txn);
  }

  Result<std::vector<Event>> Events(std::string_view key, std::chrono::seconds window,
                                    std::int64_t now) override {
    SESAM_RETURN_IF_ERROR(CheckKey(key));
    SESAM_RETURN_IF_ERROR(CheckWindow(window, now));
    SESAM_ASSIGN_OR_RETURN(Txn txn, env_->Begin(MDB_RDONLY));
    SESAM_ASSIGN_OR_RETURN(std::optional<Record> record, Read(txn, key));
    if (!record) return std::vector<Event>{};
    const std::int64_t cutoff = now - window.count();
    std::erase_if(record->events, [&](const Event& event) { return event.at <= cutoff; });
    return std::move(record->events);
  }

  Status Clear(std::string_view key) override {
    SESAM_RETURN_IF_ERROR(CheckWrite(key));
    SESAM_ASSIGN_OR_RETURN(Txn txn, env_->Begin(0));
    MDB_val k = ToVal(key);
    const int rc = mdb_del(txn.get(), env_->dbi(), &k, nullptr);
    if (rc == MDB_NOTFOUND) return Status::Ok();
    if (rc != 0) return MdbStatus(rc, env_->dir(), "writing");
    return Commit(txn);
  }

  Status Check() override {
    {
      SESAM_ASSIGN_OR_RETURN(Txn txn, env_->Begin(MDB_RDONLY));
      MDB_cursor* raw = nullptr;
      int rc = mdb_cursor_open(txn.get(), env_->dbi(), &raw);
      if (rc != 0) return MdbStatus(rc, env_->dir(), "reading");
      const Cursor cursor(raw);
      MDB_val k{}, v{};
      rc = mdb_cursor_get(raw, &k, &v, MDB_FIRST);
      if (rc != 0 && rc != MDB_NOTFOUND) return MdbStatus(rc, env_->dir(), "reading");
      if (rc == 0) SESAM_RETURN_IF_ERROR(Decode(FromVal(v)).status());
    }
    if (mode_ == OpenMode::kReadWrite) {
      SESAM_ASSIGN_OR_RETURN(Txn txn, env_->Begin(0));
      const std::string probe = internal::EncodeRecord(Record{});
      MDB_val k = ToVal("sesam check"), v = ToVal(probe);
      const int rc = mdb_put(txn.get(), env_->dbi(), &k, &v, 0);
      if (rc != 0) return MdbStatus(rc, env_->dir(), "writing");
      // txn is aborted here: the probe was never there.
    }
    return CheckOwners();
  }

 private:
  Status CheckKey(std::string_view key) const {
    if (key.empty() || key.size() > env_->max_key_size()) {
      return InvalidArgumentError("a state key must be 1 to " +
                                  std::to_string(env_->max_key_size()) + " bytes, not " +
                                  std::to_string(key.size()));
    }
    return Status::Ok();
  }

  Status CheckWrite(std::string_view key) const {
    if (mode_ == OpenMode::kReadOnly) {
      return FailedPreconditionError("the state store in " + env_->dir() + " is open read-only");
    }
    return CheckKey(key);
  }

  Result<Record> Decode(std::string_view bytes) const {
    auto record = internal::DecodeRecord(bytes);
    if (record.ok()) return record;
    return DataLossError(env_->dir() + "/data.mdb: " + record.status().message() +
                         ". The file is damaged or was written by a newer Sesam: stop "
                         "sesam-fcgi and move data.mdb and lock.mdb out of " +
                         env_->dir() + " (the counters restart at zero)");
  }

  // The record of `key`, or nullopt when there is none.
  Result<std::optional<Record>> Read(const Txn& txn, std::string_view key) const {
    MDB_val k = ToVal(key), v{};
    const int rc = mdb_get(txn.get(), env_->dbi(), &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<Record>();
    if (rc != 0) return MdbStatus(rc, env_->dir(), "reading");
    SESAM_ASSIGN_OR_RETURN(Record record, Decode(FromVal(v)));
    return std::optional<Record>(std::move(record));
  }

  // Stores `record`, or deletes the key when no event is left.
  Status Write(const Txn& txn, std::string_view key, const Record& record) const {
    MDB_val k = ToVal(key);
    int rc = 0;
    if (record.events.empty()) {
      rc = mdb_del(txn.get(), env_->dbi(), &k, nullptr);
      if (rc == MDB_NOTFOUND) rc = 0;
    } else {
      const std::string bytes = internal::EncodeRecord(record);
      MDB_val v = ToVal(bytes);
      rc = mdb_put(txn.get(), env_->dbi(), &k, &v, 0);
    }
    return rc == 0 ? Status::Ok() : MdbStatus(rc, env_->dir(), "writing");
  }

  Status Commit(Txn& txn) const {
    const int rc = txn.Commit();
    return rc == 0 ? Status::Ok() : MdbStatus(rc, env_->dir(), "writing");
  }

  // Looks at up to kSweepBatch keys from `next` on (wrapping at the end) and
  // deletes the expired ones; `next` becomes where the following sweep starts.
  // A record that does not parse is left alone here: the caller of its key
  // gets the DataLoss, not every other caller.
  Status Sweep(const Txn& txn, std::int64_t now, std::string& next) const {
    std::vector<std::string> expired;
    {
      MDB_cursor* raw = nullptr;
      int rc = mdb_cursor_open(txn.get(), env_->dbi(), &raw);
      if (rc != 0) return MdbStatus(rc, env_->dir(), "writing");
      const Cursor cursor(raw);
      MDB_val k = ToVal(next), v{};
      rc = mdb_cursor_get(raw, &k, &v, next.empty() ? MDB_FIRST : MDB_SET_RANGE);
      for (int i = 0; i < kSweepBatch && rc == 0; ++i) {
        auto record = internal::DecodeRecord(FromVal(v));
        if (record.ok() && Expired(*record, now)) expired.emplace_back(FromVal(k));
        rc = mdb_cursor_get(raw, &k, &v, MDB_NEXT);
      }
      if (rc == MDB_NOTFOUND) {
        next.clear();
      } else if (rc == 0) {
        next.assign(FromVal(k));
      } else {
        return MdbStatus(rc, env_->dir(), "writing");
      }
    }
    for (const std::string& key : expired) {
      MDB_val k = ToVal(key);
      const int rc = mdb_del(txn.get(), env_->dbi(), &k, nullptr);
      if (rc != 0 && rc != MDB_NOTFOUND) return MdbStatus(rc, env_->dir(), "writing");
    }
    return Status::Ok();
  }

  // The files must belong to the directory's owner, or the service cannot
  // open them (a root-owned data.mdb left by an older `sesam` run as root).
  Status CheckOwners() const {
    struct stat dir {};
    if (stat(env_->dir().c_str(), &dir) != 0) {
      return MdbStatus(errno, env_->dir(), "checking the owner of");
    }
    for (const char* name : {"/data.mdb", "/lock.mdb"}) {
      const std::string path = env_->dir() + name;
      struct stat file {};
      if (stat(path.c_str(), &file) == 0 && file.st_uid != dir.st_uid) {
        return FailedPreconditionError(
            path + " has " + internal::DescribeFile(path) + " but " + env_->dir() + " has " +
            internal::DescribeFile(env_->dir()) +
            ": the directory's owner cannot open it. Fix: chown --reference=" + env_->dir() + " " +
            env_->dir() + "/data.mdb " + env_->dir() + "/lock.mdb");
      }
    }
    return Status::Ok();
  }

  std::shared_ptr<Env> env_;
  OpenMode mode_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(const std::string& dir, OpenMode mode) {
  return OpenStore(dir, mode, StoreOptions{});
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& dir, OpenMode mode,
                                         const StoreOptions& options) {
  SESAM_ASSIGN_OR_RETURN(std::shared_ptr<Env> env, internal::AcquireEnv(dir, mode, options));
  return std::unique_ptr<Store>(std::make_unique<LmdbStore>(std::move(env), mode));
}

}  // namespace sesam::state
