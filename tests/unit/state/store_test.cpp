// SPDX-License-Identifier: Apache-2.0
// The state store in one process: limits and windows, Remove, Clear, the
// expiry sweep, a full map, damaged files, missing directories, read-only mode.
#include <lmdb.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sesam/state_store.h"
#include "state_test_util.h"

using sesam::StatusCode;
using sesam::state::Event;
using sesam::state::OpenMode;
using sesam::state::OpenStore;
using sesam::state::Store;
using state_test::Contains;
using state_test::TempDir;
using std::chrono::hours;
using std::chrono::seconds;

namespace {

constexpr std::int64_t kT = 1'700'000'000;
constexpr std::int64_t kDay = 86400;

std::unique_ptr<Store> Open(const std::string& dir, OpenMode mode = OpenMode::kReadWrite) {
  auto store = OpenStore(dir, mode);
  CHECK_OK(store.status());
  return std::move(store).value();
}

std::vector<std::int64_t> Times(const std::vector<Event>& events) {
  std::vector<std::int64_t> times;
  for (const Event& event : events) times.push_back(event.at);
  return times;
}

// Everything still stored under `key`, whatever its window.
std::size_t Stored(Store& store, const std::string& key, std::int64_t now) {
  auto events = store.Events(key, sesam::state::kMaxWindow, now);
  CHECK_OK(events.status());
  return events->size();
}

// Writes `value` under `key` with LMDB itself, as a damaged or future file would hold it.
void PutRaw(const std::string& dir, const std::string& key, const std::string& value) {
  MDB_env* env = nullptr;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi = 0;
  LONGS_EQUAL(0, mdb_env_create(&env));
  LONGS_EQUAL(0, mdb_env_open(env, dir.c_str(), 0, 0600));
  LONGS_EQUAL(0, mdb_txn_begin(env, nullptr, 0, &txn));
  LONGS_EQUAL(0, mdb_dbi_open(txn, nullptr, 0, &dbi));
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{value.size(), const_cast<char*>(value.data())};
  LONGS_EQUAL(0, mdb_put(txn, dbi, &k, &v, 0));
  LONGS_EQUAL(0, mdb_txn_commit(txn));
  mdb_env_close(env);
}

}  // namespace

TEST_GROUP(StateStore) {
  TempDir dir;
  std::unique_ptr<Store> store;
  void setup() override { store = Open(dir.path()); }
};

TEST(StateStore, AdmitsUpToTheLimitThenRefusesWithoutRecording) {
  for (int i = 0; i < 3; ++i) {
    auto events = store->Admit("key", 3, hours(1), kT + i, "id" + std::to_string(i));
    CHECK_OK(events.status());
    LONGS_EQUAL(i + 1, events->size());
  }
  auto refused = store->Admit("key", 3, hours(1), kT + 3, "id3");
  CHECK_CODE(StatusCode::kResourceExhausted, refused.status());
  STRCMP_EQUAL("state.limit", refused.status().reason().c_str());
  auto events = store->Events("key", hours(1), kT + 3);
  CHECK_OK(events.status());
  CHECK_TRUE(Times(*events) == (std::vector<std::int64_t>{kT, kT + 1, kT + 2}));
}

TEST(StateStore, AnEventExactlyOneWindowOldHasExpired) {
  for (int i = 0; i < 2; ++i)
    CHECK_OK(store->Admit("key", 2, seconds(100), kT + i, "a" + std::to_string(i)).status());
  CHECK_CODE(StatusCode::kResourceExhausted,
             store->Admit("key", 2, seconds(100), kT + 99, "b").status());
  auto events = store->Admit("key", 2, seconds(100), kT + 100, "b");
  CHECK_OK(events.status());
  CHECK_TRUE(Times(*events) == (std::vector<std::int64_t>{kT + 1, kT + 100}));
  // The expired event is gone from the file, not only from the answer.
  LONGS_EQUAL(2, Stored(*store, "key", kT + 100));
}

TEST(StateStore, EventsFiltersByItsOwnWindow) {
  for (int i = 0; i < 5; ++i)
    CHECK_OK(store->Admit("key", 0, hours(1), kT + 10 * i, "e" + std::to_string(i)).status());
  auto recent = store->Events("key", seconds(15), kT + 40);
  CHECK_OK(recent.status());
  CHECK_TRUE(Times(*recent) == (std::vector<std::int64_t>{kT + 30, kT + 40}));
  auto none = store->Events("other", hours(1), kT);
  CHECK_OK(none.status());
  CHECK_TRUE(none->empty());
}

TEST(StateStore, LimitZeroCountsWithoutLimit) {
  for (int i = 0; i < 50; ++i)
    CHECK_OK(store->Admit("key", 0, hours(1), kT, "e" + std::to_string(i)).status());
  LONGS_EQUAL(50, Stored(*store, "key", kT));
}

TEST(StateStore, KeysAreIndependentOpaqueBytes) {
  const std::string binary("\x00\xff\x00", 3);
  CHECK_OK(store->Admit(binary, 1, hours(1), kT, "x").status());
  CHECK_OK(store->Admit(std::string("\x00\xff", 2), 1, hours(1), kT, "x").status());
  CHECK_CODE(StatusCode::kResourceExhausted, store->Admit(binary, 1, hours(1), kT, "y").status());
}

TEST(StateStore, KeepsEventsOldestFirstWhenClocksDisagree) {
  CHECK_OK(store->Admit("key", 0, hours(1), kT, "a").status());
  auto events = store->Admit("key", 0, hours(1), kT - 5, "b");
  CHECK_OK(events.status());
  CHECK_TRUE(Times(*events) == (std::vector<std::int64_t>{kT - 5, kT}));
  STRCMP_EQUAL("b", events->front().id.c_str());
}

TEST(StateStore, ADuplicateIdIsRefused) {
  CHECK_OK(store->Admit("key", 0, hours(1), kT, "same").status());
  CHECK_CODE(StatusCode::kAlreadyExists, store->Admit("key", 0, hours(1), kT + 1, "same").status());
  LONGS_EQUAL(1, Stored(*store, "key", kT + 1));
}

TEST(StateStore, RefusesBadArguments) {
  const auto invalid = StatusCode::kInvalidArgument;
  CHECK_CODE(invalid, store->Admit("", 1, hours(1), kT, "x").status());
  CHECK_CODE(invalid, store->Admit(std::string(512, 'k'), 1, hours(1), kT, "x").status());
  CHECK_OK(store->Admit(std::string(511, 'k'), 1, hours(1), kT, "x").status());
  CHECK_CODE(invalid, store->Admit("key", 1, hours(1), kT, "").status());
  CHECK_CODE(invalid, store->Admit("key", 1, hours(1), kT, std::string(65, 'i')).status());
  CHECK_OK(store->Admit("key", 1, hours(1), kT, std::string(64, 'i')).status());
  CHECK_CODE(invalid, store->Admit("key", 1, seconds(-1), kT, "x").status());
  CHECK_CODE(invalid,
             store->Admit("key", 1, sesam::state::kMaxWindow + seconds(1), kT, "x").status());
  CHECK_CODE(invalid, store->Admit("key", 1, hours(1), -1, "x").status());
  CHECK_CODE(invalid, store->Events("", hours(1), kT).status());
  CHECK_CODE(invalid, store->Remove("key", ""));
  CHECK_CODE(invalid, store->Clear(""));
}

TEST(StateStore, RemoveTakesOneEventAndIgnoresWhatIsNotThere) {
  for (const char* id : {"a", "b", "c"})
    CHECK_OK(store->Admit("key", 3, hours(1), kT, id).status());
  CHECK_OK(store->Remove("key", "b"));
  CHECK_OK(store->Remove("key", "b"));
  CHECK_OK(store->Remove("nokey", "b"));
  auto events = store->Events("key", hours(1), kT);
  CHECK_OK(events.status());
  LONGS_EQUAL(2, events->size());
  STRCMP_EQUAL("a", (*events)[0].id.c_str());
  STRCMP_EQUAL("c", (*events)[1].id.c_str());
  // The freed place counts again.
  CHECK_OK(store->Admit("key", 3, hours(1), kT, "d").status());
}

TEST(StateStore, ClearEmptiesOneKeyOnly) {
  CHECK_OK(store->Admit("a", 1, hours(1), kT, "x").status());
  CHECK_OK(store->Admit("b", 1, hours(1), kT, "x").status());
  CHECK_OK(store->Clear("a"));
  CHECK_OK(store->Clear("a"));
  LONGS_EQUAL(0, Stored(*store, "a", kT));
  LONGS_EQUAL(1, Stored(*store, "b", kT));
  CHECK_OK(store->Admit("a", 1, hours(1), kT, "y").status());
}

TEST(StateStore, SurvivesClosingAndOpeningAgain) {
  CHECK_OK(store->Admit("key", 0, hours(1), kT, "x").status());
  store.reset();  // the last Store of this directory: the environment closes
  store = Open(dir.path());
  LONGS_EQUAL(1, Stored(*store, "key", kT));
}

TEST(StateStore, TwoStoresOfOneDirectoryShareTheEnvironment) {
  auto second = Open(dir.path());
  CHECK_OK(store->Admit("key", 1, hours(1), kT, "x").status());
  CHECK_CODE(StatusCode::kResourceExhausted, second->Admit("key", 1, hours(1), kT, "y").status());
}

TEST(StateStore, ThreadsShareOneStoreAndTheLimitHoldsExactly) {
  std::vector<int> admitted(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (store->Admit("shared", 100, hours(1), kT, id).ok())
          ++admitted[static_cast<std::size_t>(t)];
        (void)store->Events("shared", hours(1), kT);  // readers alongside the writers
      }
    });
  }
  for (auto& thread : threads) thread.join();
  LONGS_EQUAL(100, admitted[0] + admitted[1] + admitted[2] + admitted[3]);
  LONGS_EQUAL(100, Stored(*store, "shared", kT));
}

TEST(StateStore, AdmitSweepsKeysPastTheirRetention) {
  for (int i = 0; i < 20; ++i)
    CHECK_OK(store->Admit("old" + std::to_string(i), 1, hours(1), kT, "x").status());
  CHECK_OK(store->Admit("week", 1, hours(24 * 7), kT, "x").status());
  CHECK_OK(store->Admit("yesterday", 1, hours(1), kT + 2 * kDay, "x").status());
  // Three days later: a few Admits go round the whole file (8 keys each).
  const std::int64_t later = kT + 3 * kDay;
  for (int i = 0; i < 8; ++i)
    CHECK_OK(store->Admit("new" + std::to_string(i), 1, hours(1), later, "x").status());
  for (int i = 0; i < 20; ++i) LONGS_EQUAL(0, Stored(*store, "old" + std::to_string(i), later));
  LONGS_EQUAL(1, Stored(*store, "week", later));       // its own window is longer
  LONGS_EQUAL(1, Stored(*store, "yesterday", later));  // kept at least two days
  const std::int64_t much_later = kT + 8 * kDay;
  for (int i = 0; i < 8; ++i)
    CHECK_OK(store->Admit("newer" + std::to_string(i), 1, hours(1), much_later, "x").status());
  LONGS_EQUAL(0, Stored(*store, "week", much_later));
  LONGS_EQUAL(0, Stored(*store, "new0", much_later));
  LONGS_EQUAL(1, Stored(*store, "newer0", much_later));
}

TEST(StateStore, CheckPassesAndLeavesNothingBehind) {
  CHECK_OK(store->Check());
  LONGS_EQUAL(0, Stored(*store, "sesam check", kT));
}

TEST(StateStore, ReadOnlyReadsAndRefusesWrites) {
  CHECK_OK(store->Admit("key", 0, hours(1), kT, "x").status());
  store.reset();
  auto reader = Open(dir.path(), OpenMode::kReadOnly);
  LONGS_EQUAL(1, Stored(*reader, "key", kT));
  CHECK_OK(reader->Check());
  CHECK_CODE(StatusCode::kFailedPrecondition, reader->Admit("key", 0, hours(1), kT, "y").status());
  CHECK_CODE(StatusCode::kFailedPrecondition, reader->Remove("key", "x"));
  CHECK_CODE(StatusCode::kFailedPrecondition, reader->Clear("key"));
  // LMDB forbids a second environment in one process: read-write must wait.
  CHECK_CODE(StatusCode::kFailedPrecondition, OpenStore(dir.path()).status());
}

TEST(StateStore, ReadOnlyBesideReadWriteSharesItsEnvironment) {
  auto reader = Open(dir.path(), OpenMode::kReadOnly);
  CHECK_OK(store->Admit("key", 0, hours(1), kT, "x").status());
  LONGS_EQUAL(1, Stored(*reader, "key", kT));
  CHECK_CODE(StatusCode::kFailedPrecondition, reader->Clear("key"));
}

TEST_GROUP(StateStoreOpen) { TempDir dir; };

TEST(StateStoreOpen, AMissingDirectoryIsNotFoundByName) {
  auto store = OpenStore(dir.File("nope"));
  CHECK_CODE(StatusCode::kNotFound, store.status());
  CHECK_TRUE(Contains(store.status().message(), dir.File("nope")));
  CHECK_CODE(StatusCode::kNotFound, OpenStore(dir.File("nope/deeper")).status());
}

TEST(StateStoreOpen, AFileIsNotADirectory) {
  state_test::WriteFile(dir.File("plain"), "x");
  CHECK_CODE(StatusCode::kFailedPrecondition, OpenStore(dir.File("plain")).status());
}

TEST(StateStoreOpen, ReadOnlyCreatesNothing) {
  auto store = OpenStore(dir.path(), OpenMode::kReadOnly);
  CHECK_CODE(StatusCode::kNotFound, store.status());
  CHECK_TRUE(Contains(store.status().message(), dir.path()));
  CHECK_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(StateStoreOpen, CreatesItsFilesPrivate) {
  CHECK_OK(Open(dir.path())->Admit("key", 1, hours(1), kT, "x").status());
  LONGS_EQUAL(0600, state_test::Stat(dir.File("data.mdb")).st_mode & 07777);
  LONGS_EQUAL(0600, state_test::Stat(dir.File("lock.mdb")).st_mode & 07777);
}

TEST(StateStoreOpen, GarbageInDataMdbIsDataLossNamingTheFile) {
  state_test::WriteFile(dir.File("data.mdb"), std::string(16384, '\xab'));
  auto store = OpenStore(dir.path());
  CHECK_CODE(StatusCode::kDataLoss, store.status());
  CHECK_TRUE(Contains(store.status().message(), dir.File("data.mdb")));
  CHECK_TRUE(Contains(store.status().message(), "move data.mdb and lock.mdb"));
}

TEST(StateStoreOpen, AShortFileIsDataLossToo) {
  state_test::WriteFile(dir.File("data.mdb"), "not an LMDB file\n");
  CHECK_CODE(StatusCode::kDataLoss, OpenStore(dir.path()).status());
}

TEST(StateStoreOpen, ARecordThatDoesNotParseIsDataLossForItsKeyOnly) {
  PutRaw(dir.path(), "bad", std::string("\x01garbage", 8));
  PutRaw(dir.path(), "future", std::string("\x02\x00\x00\x00\x00\x00\x00\x00\x00", 9));
  auto store = Open(dir.path());
  auto events = store->Events("bad", hours(1), kT);
  CHECK_CODE(StatusCode::kDataLoss, events.status());
  CHECK_TRUE(Contains(events.status().message(), dir.File("data.mdb")));
  CHECK_CODE(StatusCode::kDataLoss, store->Admit("bad", 1, hours(1), kT, "x").status());
  CHECK_CODE(StatusCode::kDataLoss, store->Remove("bad", "x"));
  auto future = store->Events("future", hours(1), kT);
  CHECK_TRUE(Contains(future.status().message(), "format version 2"));
  CHECK_CODE(StatusCode::kDataLoss, store->Check());
  // Other keys work, and the sweep passes the bad records without tripping.
  for (int i = 0; i < 4; ++i)
    CHECK_OK(store->Admit("good" + std::to_string(i), 1, hours(1), kT + 9 * kDay, "x").status());
  CHECK_CODE(StatusCode::kDataLoss, store->Events("bad", hours(1), kT).status());
  // Clear needs no parsing: it is the way out for one damaged key.
  CHECK_OK(store->Clear("bad"));
  CHECK_OK(store->Admit("bad", 1, hours(1), kT, "x").status());
}

TEST(StateStoreOpen, AFullMapIsResourceExhaustedAndRecordsNothing) {
  auto opened = OpenStore(dir.path(), OpenMode::kReadWrite, {.map_size = 64 * 1024});
  CHECK_OK(opened.status());
  Store& store = **opened;
  sesam::Status full;
  int admitted = 0;
  for (; admitted < 100000; ++admitted) {
    const std::string key = "key-" + std::to_string(admitted) + std::string(24, 'k');
    full = store.Admit(key, 1, hours(1), kT, std::string(64, 'i')).status();
    if (!full.ok()) break;
  }
  CHECK_CODE(StatusCode::kResourceExhausted, full);
  STRCMP_EQUAL("state.full", full.reason().c_str());
  CHECK_TRUE(Contains(full.message(), dir.File("data.mdb")));
  CHECK_TRUE(admitted > 10);
  LONGS_EQUAL(0, Stored(store, "key-" + std::to_string(admitted) + std::string(24, 'k'), kT));
  LONGS_EQUAL(1, Stored(store, "key-0" + std::string(24, 'k'), kT));
}
