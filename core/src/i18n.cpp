// SPDX-License-Identifier: Apache-2.0
#include "sesam/i18n.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "sesam/posix.h"

namespace sesam::i18n {
namespace {

constexpr std::uint32_t kMagic = 0x950412de;
constexpr std::uint32_t kMagicSwapped = 0xde120495;

std::uint32_t Swap(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}

// Reads the .mo layout defensively: every offset and length is checked against
// the file size before use.
class MoReader {
 public:
  explicit MoReader(const std::string& data) : data_(data) {}

  bool Word(std::size_t offset, std::uint32_t& out) const {
    if (offset > data_.size() || data_.size() - offset < 4) return false;
    std::uint32_t raw;
    std::memcpy(&raw, data_.data() + offset, 4);
    out = swapped_ ? Swap(raw) : raw;
    return true;
  }

  bool String(std::size_t table, std::uint32_t index, std::string_view& out) const {
    std::uint32_t length, offset;
    const std::size_t entry = table + std::size_t{index} * 8;
    if (!Word(entry, length) || !Word(entry + 4, offset)) return false;
    if (offset > data_.size() || data_.size() - offset < length) return false;
    out = std::string_view(data_).substr(offset, length);
    return true;
  }

  void set_swapped(bool swapped) { swapped_ = swapped; }

 private:
  const std::string& data_;
  bool swapped_ = false;
};

}  // namespace

Result<Catalog> Catalog::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ErrnoToStatus(errno, "cannot open catalog " + path);  // ifstream keeps open(2)'s errno
  }
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Status corrupt = InvalidArgumentError("corrupt message catalog " + path);
  MoReader reader(data);
  std::uint32_t magic;
  if (!reader.Word(0, magic)) return corrupt;
  if (magic == kMagicSwapped) {
    reader.set_swapped(true);
  } else if (magic != kMagic) {
    return corrupt;
  }
  std::uint32_t count, originals, translations;
  if (!reader.Word(8, count) || !reader.Word(12, originals) || !reader.Word(16, translations)) {
    return corrupt;
  }
  Catalog catalog;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string_view msgid, msgstr;
    if (!reader.String(originals, i, msgid) || !reader.String(translations, i, msgstr)) {
      return corrupt;
    }
    if (msgid.empty()) continue;  // the header entry
    // Plural entries hold "singular\0plural"; Sesam's texts avoid plurals, so
    // the singular form is the key and the first translation the value.
    msgid = msgid.substr(0, msgid.find('\0'));
    msgstr = msgstr.substr(0, msgstr.find('\0'));
    if (!msgstr.empty()) catalog.messages_.emplace(msgid, msgstr);
  }
  return catalog;
}

Result<Catalog> Catalog::Load(std::string_view localedir, std::string_view language) {
  return LoadFile(std::string(localedir) + "/" + std::string(language) + "/LC_MESSAGES/sesam.mo");
}

std::string_view Catalog::Translate(std::string_view msgid) const {
  if (messages_.empty()) return msgid;
  const auto found = messages_.find(std::string(msgid));
  return found == messages_.end() ? msgid : std::string_view(found->second);
}

const Catalog& Translations::For(std::string_view language) {
  const MutexLock lock(mutex_);
  auto found = loaded_.find(language);
  if (found == loaded_.end()) {
    auto loaded = Catalog::Load(localedir_, language);
    auto catalog = std::make_unique<Catalog>(loaded.ok() ? std::move(loaded).value() : Catalog());
    found = loaded_.emplace(std::string(language), std::move(catalog)).first;
  }
  return *found->second;
}

std::string LocaleDir() {
  const char* override_dir = secure_getenv("SESAM_LOCALEDIR");
  return override_dir != nullptr && *override_dir != '\0' ? override_dir : SESAM_LOCALEDIR;
}

std::string LanguageFromEnvironment() {
  const auto language_of = [](std::string_view locale) -> std::string_view {
    // "nl_BE.UTF-8@euro" -> "nl"; "nl:fr" -> "nl"
    const std::string_view language = locale.substr(0, locale.find_first_of("_.@:"));
    return language == "C" || language == "POSIX" ? std::string_view() : language;
  };
  // gettext ignores LANGUAGE under the C locale; we do not, because programs
  // that load PAM modules (pamtester, some display managers) never call
  // setlocale, and a user who sets LANGUAGE=nl means it.
  for (const char* name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    const std::string_view language = language_of(value);
    if (!language.empty()) return std::string(language);
    if (std::string_view(name) != "LANGUAGE") break;  // an explicit C locale means English
  }
  return "en";
}

std::string Format(std::string_view text,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      const std::size_t close = text.find('}', i);
      if (close != std::string_view::npos) {
        const std::string_view name = text.substr(i + 1, close - i - 1);
        bool replaced = false;
        for (const auto& [key, value] : values) {
          if (key == name) {
            out.append(value);
            replaced = true;
            break;
          }
        }
        if (replaced) {
          i = close + 1;
          continue;
        }
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

}  // namespace sesam::i18n
