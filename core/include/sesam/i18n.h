// SPDX-License-Identifier: Apache-2.0
// Translations from GNU gettext catalogs (text domain "sesam", one .mo file per
// language, built from po/*/<lang>.po). The msgids are the English texts.
//
// Why not gettext(3) itself: it follows the process-wide locale, but the web
// endpoint answers each request in the visitor's language from several threads,
// and the PAM module must not call setlocale/textdomain inside sshd or passwd.
// So Sesam reads the same .mo files into immutable Catalog objects.
#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sesam/mutex.h"
#include "sesam/status.h"

// Marks a string literal for xgettext (keyword N_) without translating it.
#define N_(text) text

namespace sesam::i18n {

// One language's translations. Immutable after Load, so safe to share between threads.
class Catalog {
 public:
  Catalog() = default;  // translates nothing: the English msgids

  // Parses a .mo file. NotFound when it does not exist; InvalidArgument for a
  // corrupt file.
  static Result<Catalog> LoadFile(const std::string& path);
  // <localedir>/<language>/LC_MESSAGES/sesam.mo
  static Result<Catalog> Load(std::string_view localedir, std::string_view language);

  // The translation of `msgid`, or `msgid` itself when there is none.
  std::string_view Translate(std::string_view msgid) const;
  std::size_t size() const { return messages_.size(); }

 private:
  std::unordered_map<std::string, std::string> messages_;
};

// Catalogs of several languages, each loaded once on first use. Thread-safe.
class Translations {
 public:
  explicit Translations(std::string localedir) : localedir_(std::move(localedir)) {}

  // The catalog of `language` ("nl", "fr", "en"); the English (empty) catalog
  // when the language has none or its file cannot be read.
  const Catalog& For(std::string_view language);

 private:
  std::string localedir_;
  Mutex mutex_;
  std::map<std::string, std::unique_ptr<Catalog>, std::less<>> loaded_ SESAM_GUARDED_BY(mutex_);
};

// Where the catalogs are installed; SESAM_LOCALEDIR in the environment overrides it
// (read with secure_getenv, so a setuid passwd ignores it).
std::string LocaleDir();

// The language the process environment asks for, as gettext picks it:
// the first entry of LANGUAGE, else LC_ALL, LC_MESSAGES, LANG ("nl_BE.UTF-8" -> "nl").
// "en" when none is set or the locale is C/POSIX.
std::string LanguageFromEnvironment();

// Replaces each "{name}" in `text` by its value: "at least {min} characters".
std::string Format(std::string_view text,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> values);

}  // namespace sesam::i18n
