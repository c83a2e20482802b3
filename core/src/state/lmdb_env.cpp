// SPDX-License-Identifier: Apache-2.0
#include "lmdb_env.h"

#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <vector>

namespace sesam::state::internal {
namespace {

std::string UserName(uid_t uid) {
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(4096);
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return "uid " + std::to_string(uid);
}

std::string Mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Why access was refused, and the fix: who owns what, and as whom we opened.
std::string AccessHint(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return {};
  const std::string owner = UserName(st.st_uid);
  // Root opens with the rights of the directory's owner (FsIdentity).
  const uid_t as = geteuid() == 0 && st.st_uid != 0 ? st.st_uid : geteuid();
  std::string hint =
      ". " + dir + ": " + DescribeFile(dir) + "; data.mdb: " + DescribeFile(dir + "/data.mdb") +
      "; lock.mdb: " + DescribeFile(dir + "/lock.mdb") + "; opened as " + UserName(as) + ". ";
  if (as == st.st_uid && (st.st_mode & S_IRWXU) != S_IRWXU) {
    return hint + "The directory must be open to its owner: chmod 0700 " + dir;
  }
  if (as == st.st_uid) {
    return hint + "The files must belong to " + owner + ", like the directory: chown " + owner +
           ": " + dir + "/data.mdb " + dir + "/lock.mdb";
  }
  const std::string run_as = st.st_uid == 0 ? "root" : owner + " or as root";
  return hint + "Run this as " + run_as + ", or give the directory to the user that runs " +
         "sesam-fcgi: chown -R USER: " + dir + " && chmod 0700 " + dir;
}

// While alive, this thread opens files with the rights of `uid`:`gid`, so what
// it creates belongs to them. Linux's file-system ids are per thread, and
// changing them away from 0 drops CAP_DAC_OVERRIDE and CAP_CHOWN for file
// access: root can then open nothing the owner could not (a symlink planted in
// the directory gains nothing).
class FsIdentity {
 public:
  FsIdentity(uid_t uid, gid_t gid) {
    setfsgid(gid);
    setfsuid(uid);
    ok_ = static_cast<uid_t>(setfsuid(static_cast<uid_t>(-1))) == uid &&
          static_cast<gid_t>(setfsgid(static_cast<gid_t>(-1))) == gid;
  }
  FsIdentity(const FsIdentity&) = delete;
  FsIdentity& operator=(const FsIdentity&) = delete;
  ~FsIdentity() {
    setfsuid(geteuid());
    setfsgid(getegid());
  }
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

// One environment per directory (device and inode: two spellings of a path
// are one directory) and process.
struct Registry {
  Mutex mutex;
  pid_t pid SESAM_GUARDED_BY(mutex) = 0;
  std::map<std::pair<dev_t, ino_t>, std::weak_ptr<Env>> envs SESAM_GUARDED_BY(mutex);
};

Registry& TheRegistry() {
  static Registry registry;
  return registry;
}

Status StatDirectory(const std::string& dir, struct stat& st) {
  if (stat(dir.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return NotFoundError("the state directory " + dir +
                           " does not exist: create it, owned by the user sesam-fcgi runs as "
                           "and mode 0700 (systemd's StateDirectory=sesam does)");
    }
    return MdbStatus(error, dir, "opening the state directory");
  }
  if (!S_ISDIR(st.st_mode)) {
    return FailedPreconditionError("the state directory " + dir + " is not a directory");
  }
  return Status::Ok();
}

Result<std::shared_ptr<Env>> OpenEnv(const std::string& dir, const struct stat& dir_stat,
                                     OpenMode mode, const StoreOptions& options) {
  MDB_env* raw = nullptr;
  int rc = mdb_env_create(&raw);
  if (rc != 0) return MdbStatus(rc, dir, "creating an LMDB environment for");
  std::unique_ptr<MDB_env, void (*)(MDB_env*)> env(raw, mdb_env_close);
  rc = mdb_env_set_mapsize(raw, options.map_size);
  if (rc != 0) return MdbStatus(rc, dir, "setting the map size of");
  // MDB_NOTLS: read transactions belong to their Txn, not to a thread, so
  // threads can share the environment.
  const unsigned flags = MDB_NOTLS | (mode == OpenMode::kReadOnly ? MDB_RDONLY : 0u);
  if (geteuid() == 0 && dir_stat.st_uid != 0) {
    const FsIdentity as_owner(dir_stat.st_uid, dir_stat.st_gid);
    if (!as_owner.ok()) {
      return PermissionDeniedError("cannot take the file-system identity of " +
                                   UserName(dir_stat.st_uid) + ", the owner of " + dir +
                                   " (setfsuid refused)");
    }
    rc = mdb_env_open(raw, dir.c_str(), flags, 0600);
  } else {
    rc = mdb_env_open(raw, dir.c_str(), flags, 0600);
  }
  if (rc != 0) return MdbStatus(rc, dir, "opening");
  // Reader slots left by processes that died (a crashed sesam-fcgi) would
  // otherwise pin old pages and fill the table.
  int dead = 0;
  mdb_reader_check(raw, &dead);

  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(raw, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return MdbStatus(rc, dir, "reading");
  Txn owner(txn);
  MDB_dbi dbi = 0;
  rc = mdb_dbi_open(txn, nullptr, 0, &dbi);
  if (rc != 0) return MdbStatus(rc, dir, "reading");
  rc = owner.Commit();
  if (rc != 0) return MdbStatus(rc, dir, "reading");
  return std::make_shared<Env>(dir, env.release(), dbi, mode);
}

}  // namespace

std::string DescribeFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return errno == ENOENT ? "missing" : "not readable";
  return "owner " + UserName(st.st_uid) + ", mode " + Mode(st.st_mode);
}

Status MdbStatus(int rc, const std::string& dir, std::string_view doing) {
  const std::string file = dir + "/data.mdb";
  const std::string what =
      std::string(doing) + " the state store " + file + ": " + mdb_strerror(rc);
  switch (rc) {
    case ENOENT:
      return NotFoundError(what);
    case EACCES:
    case EPERM:
      return PermissionDeniedError(what + AccessHint(dir));
    case EROFS:
      return PermissionDeniedError(
          what + "; under systemd, sesam-fcgi.service needs StateDirectory=sesam (or " +
          "ReadWritePaths=" + dir + ") to write there");
    case MDB_MAP_FULL:
    case ENOSPC:
      return Status(StatusCode::kResourceExhausted,
                    what +
                        ". Expired counters are removed as new ones come; if this persists, "
                        "stop sesam-fcgi and move data.mdb and lock.mdb out of " +
                        dir + " (the counters restart at zero)",
                    std::string(kReasonFull));
    case MDB_READERS_FULL:
      return UnavailableError(what + " (too many processes and threads reading at once)");
    case MDB_INVALID:
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
      return DataLossError(what + ". Stop sesam-fcgi and move data.mdb and lock.mdb out of " + dir +
                           "; a new store is created (the counters restart at zero)");
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE:
      return FailedPreconditionError(
          what +
          ". The file was made by another LMDB version or for another use; move "
          "data.mdb and lock.mdb out of " +
          dir + " (the counters restart at zero)");
    case MDB_MAP_RESIZED:
      return FailedPreconditionError(
          what + ". Another program opened the store with a larger map; restart this one");
    default:
      return InternalError(what);
  }
}

Env::Env(std::string dir, MDB_env* env, MDB_dbi dbi, OpenMode mode)
    : dir_(std::move(dir)), env_(env), dbi_(dbi), mode_(mode), pid_(getpid()) {}

Env::~Env() {
  // A forked child inherits the parent's environment but must not close it:
  // LMDB's locks and reader slots belong to the parent. The memory goes at exit.
  if (getpid() == pid_) mdb_env_close(env_);
}

std::size_t Env::max_key_size() const {
  return static_cast<std::size_t>(mdb_env_get_maxkeysize(env_));
}

Result<Txn> Env::Begin(unsigned flags) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, flags, &txn);
  if (rc == MDB_READERS_FULL) {
    int dead = 0;
    if (mdb_reader_check(env_, &dead) == 0 && dead > 0) {
      rc = mdb_txn_begin(env_, nullptr, flags, &txn);
    }
  }
  if (rc != 0) return MdbStatus(rc, dir_, (flags & MDB_RDONLY) != 0 ? "reading" : "writing");
  return Txn(txn);
}

std::string Env::sweep_next() const {
  const MutexLock lock(sweep_mutex_);
  return sweep_next_;
}

void Env::set_sweep_next(std::string key) {
  const MutexLock lock(sweep_mutex_);
  sweep_next_ = std::move(key);
}

Result<std::shared_ptr<Env>> AcquireEnv(const std::string& dir, OpenMode mode,
                                        const StoreOptions& options) {
  struct stat st {};
  SESAM_RETURN_IF_ERROR(StatDirectory(dir, st));
  if (mode == OpenMode::kReadOnly && access((dir + "/data.mdb").c_str(), F_OK) != 0) {
    return NotFoundError("no state store in " + dir +
                         " yet: sesam-fcgi creates data.mdb there when it first counts");
  }
  Registry& registry = TheRegistry();
  const MutexLock lock(registry.mutex);
  if (registry.pid != getpid()) {
    // Forked: the parent's environments are not ours.
    registry.envs.clear();
    registry.pid = getpid();
  }
  std::weak_ptr<Env>& slot = registry.envs[{st.st_dev, st.st_ino}];
  if (std::shared_ptr<Env> env = slot.lock()) {
    if (env->mode() == OpenMode::kReadOnly && mode == OpenMode::kReadWrite) {
      return FailedPreconditionError("the state store in " + dir +
                                     " is already open read-only in this process");
    }
    return env;
  }
  SESAM_ASSIGN_OR_RETURN(std::shared_ptr<Env> env, OpenEnv(dir, st, mode, options));
  slot = env;
  return env;
}

}  // namespace sesam::state::internal
