// SPDX-License-Identifier: Apache-2.0
#include "text_blocklist.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sesam/posix.h"
#include "sesam/utf8.h"
#include "unicode.h"

namespace sesam::policy::internal {

void TextBlocklist::AddLines(std::string_view text) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto decoded = utf8::Decode(line);
    if (!decoded.ok()) continue;
    entries_.insert(utf8::Encode(FoldCase(*decoded)));
  }
}

bool TextBlocklist::ContainsFolded(std::string_view folded) const {
  return entries_.find(folded) != entries_.end();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    // std::ifstream keeps the errno of its open(2).
    return ErrnoToStatus(errno, "cannot open blocklist " + path);
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return UnavailableError("cannot read blocklist " + path);
  return content.str();
}

}  // namespace sesam::policy::internal
