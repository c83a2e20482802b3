// SPDX-License-Identifier: Apache-2.0
// Rendered page fragments that are the same for every visitor of a language:
// the language menu, the change form's check-mark list before anything is
// typed. Rendering them through mustache on every request was a third of the
// CPU time of GET otp/<token>; the set of keys is small and fixed by the
// configuration (languages x which rules apply), so entries are never evicted.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "sesam/mutex.h"

namespace sesam::web {

class FragmentCache {
 public:
  // The fragment stored under `key`, rendered by `render` on first use. Two
  // threads may both render a missing key; the first stored copy wins and both
  // copies are equal, so neither waits for the other's rendering.
  std::string Get(std::string_view key, const std::function<std::string()>& render) const {
    {
      ReaderMutexLock lock(mutex_);
      if (const auto found = fragments_.find(key); found != fragments_.end()) {
        return found->second;
      }
    }
    std::string rendered = render();
    WriterMutexLock lock(mutex_);
    return fragments_.emplace(std::string(key), std::move(rendered)).first->second;
  }

 private:
  mutable SharedMutex mutex_;
  mutable std::map<std::string, std::string, std::less<>> fragments_ SESAM_GUARDED_BY(mutex_);
};

}  // namespace sesam::web
