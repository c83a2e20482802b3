// SPDX-License-Identifier: Apache-2.0
#include "sesam/secret_string.h"

#include <stdexcept>
#include <string>
#include <type_traits>

#include "sesam/status.h"

// Last: CppUTest redefines operator new for the code that follows.
#include <CppUTest/TestHarness.h>

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

// The whole buffer is zeroed, not only the current size. Read through the
// pointer the string still owns (WipeString keeps the buffer).
static bool BufferIsZero(const char* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] != '\0') return false;
  }
  return true;
}

TEST(SecretString, WipeStringZeroesTheWholeBufferOfAShrunkString) {
  std::string text(64, 'p');
  text.resize(5);  // the 59 bytes past the end still hold 'p'
  const char* data = text.data();
  const std::size_t capacity = text.capacity();
  sesam::WipeString(text);
  CHECK_TRUE(text.empty());
  CHECK_TRUE(text.data() == data);
  CHECK_TRUE(BufferIsZero(data, capacity));
}

TEST(SecretString, WipeStringZeroesAMovedFromShortString) {
  // Moving a short string copies its bytes out of the object's own buffer and
  // leaves them there; size() is 0, so only the capacity reaches them.
  std::string source = "hunter2-short";
  const std::string target = std::move(source);
  STRCMP_EQUAL("hunter2-short", target.c_str());
  const char* data = source.data();  // NOLINT(bugprone-use-after-move): under test
  sesam::WipeString(source);
  CHECK_TRUE(BufferIsZero(data, source.capacity() + 1));
}

namespace {

enum class Way { kOk, kError, kThrow };

// Uses `body` and leaves early on a bad one, as a request handler would.
sesam::Status Consume(std::string& body, Way way) {
  const sesam::ScopedWipe wipe(body);
  if (way == Way::kError) return sesam::InvalidArgumentError("bad body");
  if (way == Way::kThrow) throw std::runtime_error("handler failed");
  return sesam::Status::Ok();
}

}  // namespace

TEST(SecretString, ScopedWipeWipesOnEveryPathOut) {
  for (const Way way : {Way::kOk, Way::kError, Way::kThrow}) {
    std::string body = "password=Correct-Horse-Battery-9&password2=Correct-Horse-Battery-9";
    const char* data = body.data();
    const std::size_t capacity = body.capacity();
    bool thrown = false;
    try {
      CHECK_EQUAL(way == Way::kOk, Consume(body, way).ok());
    } catch (const std::runtime_error&) {
      thrown = true;
    }
    CHECK_EQUAL(way == Way::kThrow, thrown);
    CHECK_TRUE(body.empty());
    CHECK_TRUE(BufferIsZero(data, capacity));
  }
}
