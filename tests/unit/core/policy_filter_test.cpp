// SPDX-License-Identifier: Apache-2.0
// The pwqfilter reader against filters built by the real pwqfilter: it must
// answer exactly as `pwqfilter --lookup` does, for entries and non-entries.

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "md4.h"
#include "policy_test_util.h"
#include "pwq_filter.h"
#include "sesam/policy.h"

// Last: CppUTest redefines new for leak detection.
#include <CppUTest/TestHarness.h>

using sesam::policy::internal::Md4;
using sesam::policy::internal::PwqFilter;

namespace {

const std::string kDir = SESAM_TEST_FILTER_DIR;

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Hex(const sesam::policy::internal::Md4Digest& digest) {
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  for (const auto byte : digest) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  return hex;
}

std::string Md4Hex(std::string_view text) {
  return Hex(Md4({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}));
}

void AgreesWithPwqfilter(const std::string& name) {
  auto filter = PwqFilter::Open(kDir + "/" + name + ".pwq");
  CHECK_TEXT(filter.ok(), filter.status().ToString().c_str());
  const auto matches = Lines(kDir + "/" + name + ".matches");
  const std::set<std::string> matched(matches.begin(), matches.end());
  std::size_t hits = 0;
  for (const std::string& candidate : Lines(kDir + "/candidates.txt")) {
    const bool expected = matched.count(candidate) > 0;
    CHECK_TEXT(filter->Contains(candidate) == expected, (name + ": " + candidate).c_str());
    hits += expected ? 1 : 0;
  }
  CHECK_TRUE(hits >= Lines(kDir + "/leaked.txt").size());  // no false negative
}

}  // namespace

TEST_GROUP(PwqFilter){};

TEST(PwqFilter, Md4Rfc1320TestSuite) {
  STRCMP_EQUAL("31d6cfe0d16ae931b73c59d7e0c089c0", Md4Hex("").c_str());
  STRCMP_EQUAL("bde52cb31de33e46245e05fbdbd6fb24", Md4Hex("a").c_str());
  STRCMP_EQUAL("a448017aaf21d8525fc10ae87aa6729d", Md4Hex("abc").c_str());
  STRCMP_EQUAL("d9130a8164549fe818874806e1c7014b", Md4Hex("message digest").c_str());
  STRCMP_EQUAL("d79e1c308aa5bbcdeea8ed63df412da9", Md4Hex("abcdefghijklmnopqrstuvwxyz").c_str());
  STRCMP_EQUAL("043f8582f241db351ce627e153e7f0e4",
               Md4Hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").c_str());
  STRCMP_EQUAL("e33b4ddc9c38f2199c3e7b164fcc0536",
               Md4Hex("1234567890123456789012345678901234567890123456789012345678901234567890"
                      "1234567890")
                   .c_str());
}

TEST(PwqFilter, FullMd4FilterAgrees) { AgreesWithPwqfilter("full-md4"); }
TEST(PwqFilter, SparseMd4FilterAgrees) { AgreesWithPwqfilter("sparse-md4"); }
TEST(PwqFilter, NtlmFilterAgrees) { AgreesWithPwqfilter("ntlm"); }

TEST(PwqFilter, TextFileIsNotAFilter) {
  auto opened = PwqFilter::Open(kDir + "/leaked.txt");
  CHECK_TRUE(opened.status().code() == sesam::StatusCode::kInvalidArgument);
}

TEST(PwqFilter, TruncatedFilterIsRefused) {
  std::ifstream in(kDir + "/full-md4.pwq", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string path = kDir + "/truncated.pwq";
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 16);
  auto opened = PwqFilter::Open(path);
  CHECK_TRUE(opened.status().code() == sesam::StatusCode::kInvalidArgument);
  CHECK_TRUE(opened.status().message().find("truncated.pwq") != std::string::npos);
}

TEST(PwqFilter, PolicyUsesFiltersAsBlocklists) {
  auto settings = sesam::policy::testing::DefaultSettings();
  settings.blocklist.push_back(kDir + "/full-md4.pwq");
  auto created = sesam::policy::Policy::Create(settings);
  CHECK_TRUE(created.ok());
  const sesam::i18n::Catalog english;
  const auto leaked = created->Check("Xyzzy.Pl0ugh-leaked", {}, english);
  CHECK_FALSE(leaked.accepted);
  CHECK_FALSE(sesam::policy::testing::FindRule(leaked, "blocklist")->passed);
  CHECK_TRUE(created->Check("Xyzzy.Pl0ugh", {}, english).accepted);
}
