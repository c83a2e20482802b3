#include "sesam/secret_string.h"

#include <CppUTest/TestHarness.h>

#include <string>
#include <type_traits>

using sesam::SecretString;

TEST_GROUP(SecretString){};

TEST(SecretString, IsMoveOnly) {
  CHECK_FALSE(std::is_copy_constructible_v<SecretString>);
  CHECK_FALSE(std::is_copy_assignable_v<SecretString>);
  CHECK_TRUE(std::is_nothrow_move_constructible_v<SecretString>);
}

TEST(SecretString, HoldsTextAndIsNulTerminated) {
  const SecretString secret("Xyzzy.Pl0ugh");
  STRCMP_EQUAL("Xyzzy.Pl0ugh", secret.c_str());
  LONGS_EQUAL(12, secret.size());
  CHECK_TRUE(SecretString().empty());
  STRCMP_EQUAL("", SecretString().c_str());
}

TEST(SecretString, KeepsEmbeddedNulBytes) {
  const SecretString secret(std::string_view("a\0b", 3));
  LONGS_EQUAL(3, secret.size());
  CHECK_TRUE(secret.view() == std::string_view("a\0b", 3));
}

TEST(SecretString, MoveEmptiesTheSource) {
  SecretString source("hunter22");
  SecretString target(std::move(source));
  STRCMP_EQUAL("hunter22", target.c_str());
  CHECK_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): the contract under test
  SecretString assigned;
  assigned = std::move(target);
  STRCMP_EQUAL("hunter22", assigned.c_str());
  CHECK_TRUE(target.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretString, AppendGrowsAndTrimLineEndStripsNewline) {
  SecretString secret;
  for (int i = 0; i < 100; ++i) secret.Append("ab");
  LONGS_EQUAL(200, secret.size());
  SecretString line("pass\r\n");
  line.TrimLineEnd();
  STRCMP_EQUAL("pass", line.c_str());
  SecretString lone("pass\n");
  lone.TrimLineEnd();
  STRCMP_EQUAL("pass", lone.c_str());
  SecretString carriage_return("pass\r");
  carriage_return.TrimLineEnd();
  STRCMP_EQUAL("pass\r", carriage_return.c_str());
}

TEST(SecretString, ClearEmpties) {
  SecretString secret("x");
  secret.Clear();
  CHECK_TRUE(secret.empty());
  secret.Append("again");
  STRCMP_EQUAL("again", secret.c_str());
}

TEST(SecretString, ConstantTimeEquals) {
  CHECK_TRUE(sesam::ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(sesam::ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(sesam::ConstantTimeEquals("abc", "ab"));
  CHECK_TRUE(sesam::ConstantTimeEquals("", ""));
  CHECK_TRUE(SecretString("k").Equals("k"));
}

TEST(SecretString, WipeStringEmpties) {
  std::string text = "secret";
  sesam::WipeString(text);
  CHECK_TRUE(text.empty());
}
