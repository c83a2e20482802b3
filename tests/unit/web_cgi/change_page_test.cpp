// SPDX-License-Identifier: Apache-2.0
// The change page through App with a fake directory: the change, the forced
// change, the directory's refusals in the visitor's words, one answer for an
// unknown username, a wrong password and a locked account, the limits, the
// notice and the audit line.
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <regex>

#include "csrf.h"
#include "fakes/fake_directory.h"
#include "fakes/fake_mailer.h"
#include "fakes/fake_state_store.h"
#include "sesam/web/app.h"

// Last: CppUTest redefines operator new for the code that follows.
#include <CppUTest/TestHarness.h>

using namespace sesam;
using namespace sesam::web;
using sesam::testing::FakeDirectory;
using sesam::testing::FakeMailer;
using sesam::testing::FakeStateStore;

namespace {

constexpr const char* kOld = "Oud-Wachtwoord-1";
constexpr const char* kNew = "Zomer-Vakantie-2026!";

struct ChangeStack {
  ChangeStack() {
    config = config::DefaultConfig();
    config.web.base_url = "https://wachtwoord.school.be/sesam";
    config.web.login_url = "https://login.school.be/";
    config.web.return_urls = {"https://sso.school.be/"};
    config.policy.blocklist.clear();
    signer.emplace(token::Signer::FromKey(SecretString(kKey)).value());
    policy.emplace(policy::Policy::Create(config.policy).value());
    templates.emplace(Templates::Load(SESAM_SOURCE_DIR "/web_cgi/templates").value());
    ldap::Account jan;
    jan.dn = "uid=jan.selle,ou=people,dc=school,dc=be";
    jan.username = "jan.selle";
    jan.id = "0f1e2d3c-0000-4000-8000-000000000001";
    jan.given_name = "Jan";
    jan.surname = "Selle";
    jan.own_addresses = {"jan@school.be"};
    jan.coaccount_addresses = {"mama.selle@example.org"};
    directory.Add(jan, kOld);
    Build();
  }
  ~ChangeStack() { queue->Shutdown(std::chrono::steady_clock::now()); }

  void Build() {
    if (queue) queue->Shutdown(std::chrono::steady_clock::now());
    app.reset();
    queue.reset();
    recipients.emplace(&store, *signer, config.web.recipient_limit);
    flow.emplace(ResetFlowDeps{&config, &directory, &mailer, &*signer, &translations, &*templates,
                               &*recipients});
    notifier.emplace(
        ChangeNotifierDeps{&config, &mailer, &translations, &*templates, &*recipients});
    queue.emplace(*flow, ResetQueueOptions{{1'000'000, std::chrono::seconds(1)}, 1});
    AppDeps deps;
    deps.config = &config;
    deps.directory = &directory;
    deps.signer = &*signer;
    deps.policy = &*policy;
    deps.translations = &translations;
    deps.templates = &*templates;
    deps.reset_queue = &*queue;
    deps.notifier = &*notifier;
    deps.csrf_key = &csrf_key;
    app.emplace(std::move(deps));
  }

  Response Send(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& cookie = "") {
    Request request;
    request.method = method;
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    request.remote_addr = remote_addr;
    request.cookie = cookie;
    request.body = body;
    if (method == "POST") request.content_type = "application/x-www-form-urlencoded";
    return app->Handle(request);
  }

  Response Change(const std::string& username, const std::string& current,
                  const std::string& password, const std::string& password2 = "",
                  const std::string& query = "?lang=en") {
    const Response form = Send("GET", "/sesam/change" + query);
    const std::string set_cookie(form.Header("Set-Cookie").value_or(""));
    std::smatch match;
    std::regex_search(form.body, match, std::regex("name=\"csrf\" value=\"([A-Za-z0-9_-]+)\""));
    return Send("POST", "/sesam/change" + query,
                "username=" + UrlEncode(username) + "&current=" + UrlEncode(current) +
                    "&password=" + UrlEncode(password) +
                    "&password2=" + UrlEncode(password2.empty() ? password : password2) +
                    "&csrf=" + std::string(match[1]),
                set_cookie.substr(0, set_cookie.find(';')));
  }

  static constexpr std::string_view kKey = "0123456789abcdef0123456789ABCDEF-test-key";
  config::Config config;
  FakeDirectory directory;
  FakeMailer mailer;
  std::optional<token::Signer> signer;
  std::optional<policy::Policy> policy;
  i18n::Translations translations{SESAM_BINARY_DIR "/locale"};
  std::optional<Templates> templates;
  SecretString csrf_key = csrf::DeriveKey(kKey);
  FakeStateStore store;
  std::optional<RecipientLimit> recipients;
  std::optional<ChangeNotifier> notifier;
  std::optional<ResetFlow> flow;
  std::optional<ResetQueue> queue;
  std::optional<App> app;
  std::string remote_addr = "192.0.2.20";
};

// Whatever sesam::log writes to stderr while it lives.
class StderrCapture {
 public:
  StderrCapture() : file_(std::tmpfile()) {
    std::fflush(stderr);
    saved_ = dup(2);
    dup2(fileno(file_), 2);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    std::fclose(file_);
  }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  std::string Text() {
    std::fflush(stderr);
    std::string text;
    std::rewind(file_);
    char buffer[4096];
    std::size_t got;
    while ((got = std::fread(buffer, 1, sizeof buffer, file_)) > 0) text.append(buffer, got);
    return text;
  }

 private:
  std::FILE* file_;
  int saved_ = -1;
};

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ChangeStack* stack = nullptr;

}  // namespace

TEST_GROUP(ChangePage){void setup() override{stack = new ChangeStack();
}
void teardown() override {
  delete stack;
  stack = nullptr;
}
}
;

TEST(ChangePage, FormHasTheFieldsTheRulesAndTheLinks) {
  const Response form = stack->Send("GET", "/sesam/change?lang=en");
  LONGS_EQUAL(200, form.status);
  CHECK_TRUE(Contains(form.body, "name=\"username\""));
  CHECK_TRUE(Contains(form.body, "name=\"current\""));
  CHECK_TRUE(Contains(form.body, "autocomplete=\"current-password\""));
  CHECK_TRUE(Contains(form.body, "name=\"password2\""));
  CHECK_TRUE(Contains(form.body, "data-rule=\"min_length\""));
  // The username is typed here: its rule is listed before it is known.
  CHECK_TRUE(Contains(form.body, "data-rule=\"username\""));
  CHECK_TRUE(Contains(form.body, "/sesam/static/sesam.js"));
  CHECK_TRUE(Contains(form.body, "href=\"/sesam/forgot?lang=en\""));
  STRCMP_EQUAL("no-store", std::string(form.Header("Cache-Control").value_or("")).c_str());
  CHECK_TRUE(form.Header("Content-Security-Policy").has_value());
  CHECK_TRUE(Contains(std::string(form.Header("Set-Cookie").value_or("")), "sesam_csrf"));
  // The forgot page links here.
  CHECK_TRUE(
      Contains(stack->Send("GET", "/sesam/forgot?lang=en").body, "href=\"/sesam/change?lang=en\""));
}

TEST(ChangePage, ReturnTargetFromTheAllowlistOnly) {
  const Response allowed =
      stack->Send("GET", "/sesam/change?return=https%3A%2F%2Fsso.school.be%2Fapp");
  std::string cookies;
  for (const auto& [name, value] : allowed.headers) cookies += value + "\n";
  CHECK_TRUE(Contains(cookies, "sesam_return=https%3A%2F%2Fsso.school.be%2Fapp"));
  const Response refused = stack->Send("GET", "/sesam/change?return=https%3A%2F%2Fevil.test%2F");
  for (const auto& [name, value] : refused.headers) CHECK_FALSE(Contains(value, "sesam_return"));
}

TEST(ChangePage, ChangeWritesNotifiesAndRedirects) {
  StderrCapture log;
  const Response done = stack->Change("jan.selle", kOld, kNew);
  LONGS_EQUAL(303, done.status);
  STRCMP_EQUAL("https://wachtwoord.school.be/sesam/done?lang=en",
               std::string(done.Header("Location").value_or("")).c_str());
  STRCMP_EQUAL(kNew, stack->directory.Password("jan.selle").c_str());
  const auto notices = stack->mailer.Take();
  LONGS_EQUAL(2, notices.size());
  CHECK_FALSE(Contains(notices[0].text_body, "/otp/"));
  CHECK_TRUE(Contains(log.Text(), "password changed for user 'jan.selle'"));
  CHECK_FALSE(Contains(log.Text(), kNew));
  CHECK_FALSE(Contains(log.Text(), kOld));
}

TEST(ChangePage, ForcedChangeCompletes) {
  stack->directory.SetBind("jan.selle", FakeDirectory::Bind::kMustChange);
  StderrCapture log;
  LONGS_EQUAL(303, stack->Change("jan.selle", kOld, kNew).status);
  STRCMP_EQUAL(kNew, stack->directory.Password("jan.selle").c_str());
  CHECK_TRUE(Contains(log.Text(), "a change the directory required"));
}

TEST(ChangePage, UnknownWrongAndLockedLookTheSame) {
  StderrCapture log;
  const Response unknown = stack->Change("jan.sellf", kOld, kNew);
  const Response wrong = stack->Change("jan.selle", "Fout-Wachtwoord-1", kNew);
  stack->directory.SetBind("jan.selle", FakeDirectory::Bind::kLocked);
  const Response locked = stack->Change("jan.selle", kOld, kNew);
  stack->directory.SetBind("jan.selle", FakeDirectory::Bind::kNormal);
  stack->directory.SetDisabled("jan.selle", true);
  const Response disabled = stack->Change("jan.selle", kOld, kNew);
  LONGS_EQUAL(401, unknown.status);
  LONGS_EQUAL(401, wrong.status);
  LONGS_EQUAL(401, locked.status);
  LONGS_EQUAL(401, disabled.status);
  const auto without_name = [](const Response& response, const std::string& name) {
    return std::regex_replace(std::regex_replace(response.body, std::regex(name), "NAME"),
                              std::regex("name=\"csrf\" value=\"[A-Za-z0-9_-]+\""), "CSRF");
  };
  STRCMP_EQUAL(without_name(wrong, "jan.selle").c_str(),
               without_name(unknown, "jan.sellf").c_str());
  STRCMP_EQUAL(without_name(wrong, "jan.selle").c_str(), without_name(locked, "jan.selle").c_str());
  // Nothing was written; the unknown name is not in the log.
  LONGS_EQUAL(0, stack->directory.change_calls());
  STRCMP_EQUAL(kOld, stack->directory.Password("jan.selle").c_str());
  CHECK_TRUE(Contains(log.Text(), "change page: unknown user #"));
  CHECK_FALSE(Contains(log.Text(), "jan.sellf"));
  // The unknown username cost a directory bind too.
  LONGS_EQUAL(4, stack->directory.verify_calls());
  CHECK_TRUE(Contains(log.Text(), "the account is disabled"));
}

TEST(ChangePage, RulesFailBeforeTheDirectoryIsAsked) {
  const Response weak = stack->Change("jan.selle", kOld, "kort");
  LONGS_EQUAL(422, weak.status);
  const Response mismatch = stack->Change("jan.selle", kOld, kNew, "Iets-Anders-2026!");
  LONGS_EQUAL(422, mismatch.status);
  LONGS_EQUAL(0, stack->directory.verify_calls());
  CHECK_TRUE(Contains(weak.body, "class=\"fail\""));
}

TEST(ChangePage, DirectoryRefusalsInTheVisitorsWords) {
  stack->directory.RefuseNextChange("ppolicy.in_history");
  Response refused = stack->Change("jan.selle", kOld, kNew);
  LONGS_EQUAL(422, refused.status);
  CHECK_TRUE(Contains(refused.body, "You used this password before"));
  stack->directory.RefuseNextChange("ppolicy.too_young");
  refused = stack->Change("jan.selle", kOld, kNew);
  LONGS_EQUAL(422, refused.status);
  CHECK_TRUE(Contains(refused.body, "changed very recently"));
  stack->directory.RefuseNextChange("ppolicy.too_short");
  refused = stack->Change("jan.selle", kOld, kNew);
  CHECK_TRUE(Contains(refused.body, "The directory finds this password too short"));
  stack->directory.SetBind("jan.selle", FakeDirectory::Bind::kNoUserChange);
  refused = stack->Change("jan.selle", kOld, kNew);
  LONGS_EQUAL(403, refused.status);
  CHECK_TRUE(Contains(refused.body, "may not change its own password"));
  STRCMP_EQUAL(kOld, stack->directory.Password("jan.selle").c_str());
  CHECK_TRUE(stack->mailer.Take().empty());
}

TEST(ChangePage, DirectoryDownIs503) {
  stack->directory.SetDown(true);
  LONGS_EQUAL(503, stack->Change("jan.selle", kOld, kNew).status);
}

TEST(ChangePage, LimitPerClientAndUsername) {
  stack->config.web.change_account_limit = {2, std::chrono::minutes(10)};
  stack->Build();
  LONGS_EQUAL(401, stack->Change("jan.selle", "Fout-1-Wachtwoord", kNew).status);
  LONGS_EQUAL(401, stack->Change("jan.selle", "Fout-2-Wachtwoord", kNew).status);
  const Response limited = stack->Change("jan.selle", kOld, kNew);
  LONGS_EQUAL(429, limited.status);
  CHECK_TRUE(limited.Header("Retry-After").has_value());
  STRCMP_EQUAL(kOld, stack->directory.Password("jan.selle").c_str());
  // Another client is not held back by this one's tries.
  stack->remote_addr = "192.0.2.21";
  LONGS_EQUAL(303, stack->Change("jan.selle", kOld, kNew).status);
}

TEST(ChangePage, LimitPerClientCountsGuessesOnly) {
  stack->config.web.change_ip_limit = {2, std::chrono::minutes(10)};
  stack->Build();
  // Neither a form the rules refuse (the directory is not asked) nor a
  // completed change (the current password was right) is a guess: a class
  // behind one school address changes its passwords together.
  LONGS_EQUAL(422, stack->Change("jan.selle", kOld, "kort").status);
  LONGS_EQUAL(422, stack->Change("els", kOld, "kort").status);
  LONGS_EQUAL(303, stack->Change("jan.selle", kOld, kNew).status);
  LONGS_EQUAL(303, stack->Change("jan.selle", kNew, kOld).status);
  LONGS_EQUAL(303, stack->Change("jan.selle", kOld, kNew).status);
  // Wrong current passwords are, whatever the username.
  LONGS_EQUAL(401, stack->Change("jan.selle", "Fout-1-Wachtwoord", kOld).status);
  LONGS_EQUAL(401, stack->Change("els", "Fout-2-Wachtwoord", kOld).status);
  LONGS_EQUAL(429, stack->Change("jan.selle", kNew, kOld).status);
  STRCMP_EQUAL(kNew, stack->directory.Password("jan.selle").c_str());
}

TEST(ChangePage, BadCsrfIs403) {
  const Response response = stack->Send(
      "POST", "/sesam/change", "username=jan.selle&current=x&password=y&password2=y&csrf=nope", "");
  LONGS_EQUAL(403, response.status);
  LONGS_EQUAL(0, stack->directory.verify_calls());
}
