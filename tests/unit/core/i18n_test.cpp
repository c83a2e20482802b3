// SPDX-License-Identifier: Apache-2.0
#include "sesam/i18n.h"

#include <CppUTest/TestHarness.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace i18n = sesam::i18n;

namespace {
const std::string kLocaleDir = SESAM_TEST_LOCALEDIR;

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_, old_.c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};
}  // namespace

TEST_GROUP(I18n){};

TEST(I18n, LoadsACatalogCompiledByMsgfmt) {
  const auto catalog = i18n::Catalog::Load(kLocaleDir, "nl");
  CHECK_TRUE_TEXT(catalog.ok(), catalog.status().ToString().c_str());
  STRCMP_EQUAL("Nieuw wachtwoord: ", std::string(catalog->Translate("New password: ")).c_str());
  STRCMP_EQUAL("minstens {min} tekens",
               std::string(catalog->Translate("at least {min} characters")).c_str());
}

TEST(I18n, UntranslatedAndUnknownTextsStayEnglish) {
  const auto catalog = i18n::Catalog::Load(kLocaleDir, "nl");
  STRCMP_EQUAL("untranslated", std::string(catalog->Translate("untranslated")).c_str());
  STRCMP_EQUAL("never seen", std::string(catalog->Translate("never seen")).c_str());
  STRCMP_EQUAL("x", std::string(i18n::Catalog().Translate("x")).c_str());
}

TEST(I18n, ContextEntriesAreKeyedWithTheirContext) {
  const auto catalog = i18n::Catalog::Load(kLocaleDir, "nl");
  STRCMP_EQUAL("Opslaan", std::string(catalog->Translate("button\004Save")).c_str());
  STRCMP_EQUAL("Save", std::string(catalog->Translate("Save")).c_str());
}

TEST(I18n, MissingCatalogIsNotFound) {
  const auto catalog = i18n::Catalog::Load(kLocaleDir, "xx");
  CHECK_TRUE(catalog.status().code() == sesam::StatusCode::kNotFound);
}

TEST(I18n, CorruptCatalogsAreRefused) {
  const std::string path = "/tmp/sesam-i18n-corrupt.mo";
  for (const std::string& bytes :
       {std::string("not a catalog"), std::string("\xde\x12\x04\x95", 4),
        // right magic, one message whose offsets point far outside the file
        std::string("\xde\x12\x04\x95\0\0\0\0\x01\0\0\0\x1c\0\0\0\x24\0\0\0", 20) +
            std::string("\xff\xff\0\0\xff\xff\xff\x7f\x01\0\0\0\0\0\0\0", 16)}) {
    std::ofstream(path, std::ios::binary) << bytes;
    const auto catalog = i18n::Catalog::LoadFile(path);
    CHECK_TRUE(catalog.status().code() == sesam::StatusCode::kInvalidArgument);
  }
  std::remove(path.c_str());
}

TEST(I18n, TranslationsFallBackToEnglish) {
  i18n::Translations translations(kLocaleDir);
  STRCMP_EQUAL("Nieuw wachtwoord: ",
               std::string(translations.For("nl").Translate("New password: ")).c_str());
  STRCMP_EQUAL("New password: ",
               std::string(translations.For("de").Translate("New password: ")).c_str());
  CHECK_TRUE(&translations.For("nl") == &translations.For("nl"));  // loaded once
}

TEST(I18n, LanguageFromEnvironment) {
  ScopedEnv language("LANGUAGE", nullptr), all("LC_ALL", nullptr), messages("LC_MESSAGES", nullptr),
      lang("LANG", nullptr);
  STRCMP_EQUAL("en", i18n::LanguageFromEnvironment().c_str());
  {
    ScopedEnv l("LANG", "fr_BE.UTF-8");
    STRCMP_EQUAL("fr", i18n::LanguageFromEnvironment().c_str());
    ScopedEnv m("LC_MESSAGES", "nl_BE.UTF-8@euro");
    STRCMP_EQUAL("nl", i18n::LanguageFromEnvironment().c_str());
    ScopedEnv a("LC_ALL", "C");
    STRCMP_EQUAL("en", i18n::LanguageFromEnvironment().c_str());
    ScopedEnv g("LANGUAGE", "nl:fr");
    STRCMP_EQUAL("nl", i18n::LanguageFromEnvironment().c_str());
  }
  ScopedEnv only_language("LANGUAGE", "fr");
  STRCMP_EQUAL("fr", i18n::LanguageFromEnvironment().c_str());
}

TEST(I18n, FormatReplacesNamedPlaceholders) {
  STRCMP_EQUAL("at least 8 characters",
               i18n::Format("at least {min} characters", {{"min", "8"}}).c_str());
  STRCMP_EQUAL("{unknown} and {", i18n::Format("{unknown} and {", {{"min", "8"}}).c_str());
  STRCMP_EQUAL("8-12", i18n::Format("{a}-{b}", {{"a", "8"}, {"b", "12"}}).c_str());
}
