// SPDX-License-Identifier: Apache-2.0
// The state store across processes and users: the limit holds between forked
// processes, and root opens a directory of the service user without taking
// its files over.
#include <fcntl.h>

#include <chrono>
#include <string>
#include <vector>

#include "sesam/state_store.h"
#include "state_test_util.h"

using sesam::StatusCode;
using sesam::state::OpenMode;
using sesam::state::OpenStore;
using state_test::AsUser;
using state_test::Contains;
using state_test::InChild;
using state_test::kNobody;
using state_test::kNogroup;
using state_test::Report;
using state_test::Stat;
using state_test::TempDir;
using std::chrono::hours;

namespace {

constexpr std::int64_t kT = 1'700'000'000;

bool Root() { return geteuid() == 0; }

// In a child: opens `dir` and admits one event; 0 on success.
int AdmitOne(const std::string& dir, const std::string& id) {
  auto store = OpenStore(dir);
  if (!store.ok()) return Report(store.status(), 2);
  return Report((*store)->Admit("key", 0, hours(1), kT, id).status(), 3);
}

}  // namespace

TEST_GROUP(StateStoreProcesses) { TempDir dir; };

TEST(StateStoreProcesses, FourProcessesShareTheLimitExactly) {
  constexpr int kProcesses = 4;
  constexpr int kEach = 50;
  // The children wait on this pipe so that they all start together.
  int start[2];
  LONGS_EQUAL(0, pipe(start));
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
      close(start[1]);
      char byte;
      if (read(start[0], &byte, 1) != 0) _exit(200);
      auto store = OpenStore(dir.path());
      if (!store.ok()) _exit(Report(store.status(), 201));
      int admitted = 0;
      for (int i = 0; i < kEach; ++i) {
        const auto id = "p" + std::to_string(p) + "-" + std::to_string(i);
        auto events = (*store)->Admit("shared", 100, hours(1), kT, id);
        if (events.ok()) {
          ++admitted;
        } else if (events.status().reason() != "state.limit") {
          _exit(Report(events.status(), 202));
        }
      }
      _exit(admitted);
    }
    children.push_back(pid);
  }
  close(start[0]);
  close(start[1]);  // go
  int total = 0;
  for (const pid_t pid : children) {
    int status = 0;
    LONGS_EQUAL(pid, waitpid(pid, &status, 0));
    CHECK_TRUE(WIFEXITED(status));
    CHECK_TEXT(WEXITSTATUS(status) <= kEach, std::to_string(WEXITSTATUS(status)).c_str());
    total += WEXITSTATUS(status);
  }
  LONGS_EQUAL(100, total);
  auto store = OpenStore(dir.path(), OpenMode::kReadOnly);
  CHECK_OK(store.status());
  auto events = (*store)->Events("shared", hours(1), kT);
  CHECK_OK(events.status());
  LONGS_EQUAL(100, events->size());
}

TEST(StateStoreProcesses, AForkedChildCountsIntoTheStoreItsParentHasOpen) {
  auto store = OpenStore(dir.path());
  CHECK_OK(store.status());
  CHECK_OK((*store)->Admit("key", 0, hours(1), kT, "parent").status());
  LONGS_EQUAL(0, InChild([&] { return AdmitOne(dir.path(), "child"); }));
  auto events = (*store)->Events("key", hours(1), kT);
  CHECK_OK(events.status());
  LONGS_EQUAL(2, events->size());
}

TEST(StateStoreProcesses, RootLeavesTheFilesToTheDirectoryOwner) {
  if (!Root()) {
    UT_PRINT("skipped: needs root");
    return;
  }
  LONGS_EQUAL(0, chown(dir.path().c_str(), kNobody, kNogroup));
  {
    auto store = OpenStore(dir.path());
    CHECK_OK(store.status());
    CHECK_OK((*store)->Admit("key", 0, hours(1), kT, "root").status());
    CHECK_OK((*store)->Check());
  }
  for (const char* name : {"data.mdb", "lock.mdb"}) {
    const struct stat st = Stat(dir.File(name));
    LONGS_EQUAL(kNobody, st.st_uid);
    LONGS_EQUAL(kNogroup, st.st_gid);
    LONGS_EQUAL(0600, st.st_mode & 07777);
  }
  LONGS_EQUAL(0, AsUser(kNobody, kNogroup, [&] {
                auto store = OpenStore(dir.path());
                if (!store.ok()) return Report(store.status(), 2);
                auto events = (*store)->Admit("key", 0, hours(1), kT, "service");
                if (!events.ok()) return Report(events.status(), 3);
                return events->size() == 2 ? 0 : 4;
              }));
}

TEST(StateStoreProcesses, RootFollowsNoSymlinkTheOwnerCouldNot) {
  if (!Root()) {
    UT_PRINT("skipped: needs root");
    return;
  }
  // What a compromised service user could plant: data.mdb pointing at a file
  // only root may write. Root must not turn it into a database.
  TempDir outside;
  const std::string target = outside.File("root-only");
  state_test::WriteFile(target, "");
  LONGS_EQUAL(0, chmod(target.c_str(), 0600));
  LONGS_EQUAL(0, symlink(target.c_str(), dir.File("data.mdb").c_str()));
  LONGS_EQUAL(0, chown(dir.path().c_str(), kNobody, kNogroup));
  auto store = OpenStore(dir.path());
  CHECK_CODE(StatusCode::kPermissionDenied, store.status());
  LONGS_EQUAL(0, Stat(target).st_size);
  LONGS_EQUAL(0, Stat(target).st_uid);
}

TEST(StateStoreProcesses, RootOwnedFilesInTheServiceDirectoryAreReported) {
  if (!Root()) {
    UT_PRINT("skipped: needs root");
    return;
  }
  // An older `sesam` run as root left root's files behind.
  CHECK_OK(OpenStore(dir.path()).status());
  LONGS_EQUAL(0, chown(dir.path().c_str(), kNobody, kNogroup));
  auto store = OpenStore(dir.path());
  CHECK_CODE(StatusCode::kPermissionDenied, store.status());
  CHECK_TRUE(Contains(store.status().message(), "owner root"));
  CHECK_TRUE(Contains(store.status().message(), "chown nobody: " + dir.File("data.mdb")));
}

TEST(StateStoreProcesses, CheckReportsFilesTheOwnerCannotOpen) {
  if (!Root()) {
    UT_PRINT("skipped: needs root");
    return;
  }
  auto store = OpenStore(dir.path());
  CHECK_OK(store.status());
  CHECK_OK((*store)->Check());
  LONGS_EQUAL(0, chown(dir.path().c_str(), kNobody, kNogroup));
  const sesam::Status check = (*store)->Check();
  CHECK_CODE(StatusCode::kFailedPrecondition, check);
  CHECK_TRUE(Contains(check.message(), "chown --reference=" + dir.path()));
}

TEST(StateStoreProcesses, AnUnwritableDirectoryIsPermissionDeniedByName) {
  // As a user who may not write the directory: nobody, or ourselves on 0500.
  const auto attempt = [&] {
    const sesam::Status status = OpenStore(dir.path()).status();
    if (status.code() != StatusCode::kPermissionDenied) return Report(status, 2) + 10;
    if (!Contains(status.message(), dir.path()) ||
        !Contains(status.message(), "chmod 0700 " + dir.path())) {
      return Report(status, 3);
    }
    return 0;
  };
  if (Root()) {
    LONGS_EQUAL(0, chmod(dir.path().c_str(), 0755));
    LONGS_EQUAL(0, AsUser(kNobody, kNogroup, attempt));
  } else {
    LONGS_EQUAL(0, chmod(dir.path().c_str(), 0500));
    LONGS_EQUAL(0, InChild(attempt));
    LONGS_EQUAL(0, chmod(dir.path().c_str(), 0700));
  }
}
