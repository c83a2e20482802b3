// SPDX-License-Identifier: Apache-2.0
// A text blocklist: one password per line (UTF-8; "\r\n" or "\n"), compared
// case-insensitively (Unicode simple case folding). Empty lines and lines
// starting with '#' are skipped, so a list can carry comments.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "sesam/status.h"

namespace sesam::policy::internal {

class TextBlocklist {
 public:
  // Adds every line of `text`. Lines that are not valid UTF-8 are skipped.
  void AddLines(std::string_view text);
  // `folded` must already be case-folded UTF-8 (see FoldedUtf8).
  bool ContainsFolded(std::string_view folded) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::unordered_set<std::string, Hash, std::equal_to<>> entries_;
};

// Reads a whole file; NotFound / PermissionDenied / Unavailable naming it.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace sesam::policy::internal
