// SPDX-License-Identifier: Apache-2.0
// Runs tests/vectors/policy.json: every vector, every expected rule, and the
// exact set of rules listed (the browser tests run the same file).

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "policy_test_util.h"

// Last: CppUTest redefines new for leak detection.
#include <CppUTest/TestHarness.h>

using nlohmann::json;
using sesam::policy::Policy;
using sesam::policy::testing::FindRule;

namespace {

std::string FromHex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

json LoadVectors() {
  std::ifstream in(std::string(SESAM_SOURCE_DIR) + "/tests/vectors/policy.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

}  // namespace

TEST_GROUP(PolicyVectors){};

TEST(PolicyVectors, EveryVectorEveryRule) {
  const json doc = LoadVectors();
  const json& settings = doc["settings"];
  sesam::config::PolicySection s = sesam::policy::testing::DefaultSettings();
  s.min_length = settings["min_length"].get<unsigned>();
  s.max_length = settings["max_length"].get<unsigned>();
  s.min_classes = settings["min_classes"].get<unsigned>();
  s.max_repeat = settings["max_repeat"].get<unsigned>();
  s.reject_username = settings["reject_username"].get<bool>();
  STRCMP_EQUAL("default", settings["blocklist"].get<std::string>().c_str());
  auto created = Policy::Create(s);
  CHECK_TRUE(created.ok());
  const Policy policy = std::move(created).value();
  const sesam::i18n::Catalog english;

  CHECK_TRUE(doc["vectors"].size() >= 60);
  for (const json& vector : doc["vectors"]) {
    const std::string name = vector["name"].get<std::string>();
    const std::string password = vector.contains("password")
                                     ? vector["password"].get<std::string>()
                                     : FromHex(vector["password_hex"].get<std::string>());
    const std::string username =
        vector.contains("username") ? vector["username"].get<std::string>() : std::string();
    sesam::policy::Context context;
    context.username = username;
    const auto verdict = policy.Check(password, context, english);

    const json& expect = vector["expect"];
    for (const auto& [id, passed] : expect.items()) {
      const auto* rule = FindRule(verdict, id);
      CHECK_TEXT(rule != nullptr, (name + ": rule not listed: " + id).c_str());
      CHECK_TEXT(rule->passed == passed.get<bool>(), (name + ": rule " + id).c_str());
    }
    if (expect["utf8"].get<bool>()) {
      // A valid password lists exactly the rules the vector expects.
      std::set<std::string> listed, expected;
      for (const auto& rule : verdict.rules) listed.insert(rule.id);
      for (const auto& [id, passed] : expect.items()) expected.insert(id);
      CHECK_TEXT(listed == expected, (name + ": listed rules differ").c_str());
    }
    CHECK_TEXT(verdict.accepted == vector["accepted"].get<bool>(), (name + ": verdict").c_str());
  }
}
