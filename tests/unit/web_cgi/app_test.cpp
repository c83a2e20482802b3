// SPDX-License-Identifier: Apache-2.0
// The whole reset flow through App, ResetFlow and ResetQueue, with a fake
// directory and mailer: status codes, headers, CSRF, limits, the mails and
// every way a link dies.
#include "sesam/web/app.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include <optional>
#include <regex>
#include <thread>

#include "csrf.h"
#include "fakes/fake_directory.h"
#include "fakes/fake_mailer.h"
#include "fakes/fake_state_store.h"
#include "sesam/mutex.h"
#include "sesam/web/local_time.h"

// Last: CppUTest redefines operator new for the code that follows.
#include <CppUTest/TestHarness.h>

using namespace sesam;
using namespace sesam::web;
using sesam::testing::FakeDirectory;
using sesam::testing::FakeMailer;
using sesam::testing::FakeStateStore;

namespace {

constexpr const char* kGoodPassword = "Zomer-Vakantie-2026!";

struct Stack {
  Stack() {
    config = config::DefaultConfig();
    config.web.base_url = "https://wachtwoord.school.be/sesam";
    config.web.login_url = "https://login.school.be/";
    config.web.school_name = "Sint-Jan";
    config.web.helpdesk = "helpdesk@school.be";
    config.web.return_urls = {"https://sso.school.be/"};
    config.policy.blocklist.clear();  // the flow, not the blocklist, is under test
    signer.emplace(token::Signer::FromKey(SecretString(kKey)).value());
    policy.emplace(policy::Policy::Create(config.policy).value());
    templates.emplace(Templates::Load(SESAM_SOURCE_DIR "/web_cgi/templates").value());
    Build();
    ldap::Account jan;
    jan.dn = "uid=jan.selle,ou=people,dc=school,dc=be";
    jan.username = "jan.selle";
    jan.id = "0f1e2d3c-0000-4000-8000-000000000001";
    jan.given_name = "Jan";
    jan.surname = "Selle";
    jan.display_name = "Jan Selle";
    jan.own_addresses = {"jan@school.be"};
    jan.coaccount_addresses = {"mama.selle@example.org", "papa.selle@example.net"};
    directory.Add(jan, "Oud-Wachtwoord-1");
    ldap::Account lone;
    lone.username = "zonder.adres";
    lone.id = "0f1e2d3c-0000-4000-8000-000000000002";
    directory.Add(lone, "Oud-Wachtwoord-2");
  }
  ~Stack() { queue->Shutdown(std::chrono::steady_clock::now()); }

  // (Re)builds the parts that read `config`.
  void Build() {
    if (queue) queue->Shutdown(std::chrono::steady_clock::now());
    app.reset();
    queue.reset();
    recipients.emplace(&store, *signer, config.web.recipient_limit);
    ResetFlowDeps flow_deps{&config,       &directory,  &mailer,     &*signer,
                            &translations, &*templates, &*recipients};
    flow_deps.now = [this] { return Now(); };
    flow.emplace(std::move(flow_deps));
    notifier.emplace(
        ChangeNotifierDeps{&config, &mailer, &translations, &*templates, &*recipients});
    // One worker, unpaced: the tests wait for the work, not for the rate.
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
    deps.mail_health = &mail_health;
    deps.csrf_key = &csrf_key;
    deps.static_dir = SESAM_SOURCE_DIR "/web_cgi/static";
    deps.now = [this] { return Now(); };
    app.emplace(std::move(deps));
  }

  token::Clock::time_point Now() const {
    const MutexLock lock(clock_mutex);
    return (frozen ? *frozen : token::Clock::now()) + skew;
  }
  // The clock is read by the reset queue's workers too: set it under the lock.
  void AddSkew(std::chrono::seconds by) {
    const MutexLock lock(clock_mutex);
    skew += by;
  }
  void Freeze() {
    const MutexLock lock(clock_mutex);
    frozen = token::Clock::now();
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

  // GET forgot, then the cookie and the form's csrf field.
  std::pair<std::string, std::string> Session() {
    const Response form = Send("GET", "/sesam/forgot");
    const std::string set_cookie(form.Header("Set-Cookie").value_or(""));
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    return {cookie, FormCsrf(form.body)};
  }

  static std::string FormCsrf(const std::string& html) {
    std::smatch match;
    if (!std::regex_search(html, match, std::regex("name=\"csrf\" value=\"([A-Za-z0-9_-]+)\""))) {
      return "";
    }
    return match[1];
  }

  Response Forgot(const std::string& username, const std::string& email) {
    const auto [cookie, csrf] = Session();
    Response response = Send(
        "POST", "/sesam/forgot",
        "username=" + UrlEncode(username) + "&email=" + UrlEncode(email) + "&csrf=" + csrf, cookie);
    queue->WaitIdle();
    return response;
  }

  // The path of the link in a mail body: "/sesam/otp/<token>".
  static std::string LinkPath(const MailMessage& message) {
    std::smatch match;
    std::regex_search(message.text_body, match,
                      std::regex("https://wachtwoord\\.school\\.be(/sesam/otp/[A-Za-z0-9_.-]+)"));
    return match[1];
  }

  Response Change(const std::string& link, const std::string& password,
                  const std::string& password2) {
    // The CSRF cookie is one per browser: the forgot form's serves here too.
    const auto [cookie, csrf] = Session();
    return Send(
        "POST", link,
        "password=" + UrlEncode(password) + "&password2=" + UrlEncode(password2) + "&csrf=" + csrf,
        cookie);
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
  MailHealth mail_health;
  std::optional<ResetFlow> flow;
  std::optional<ResetQueue> queue;
  std::optional<App> app;
  mutable Mutex clock_mutex;
  std::chrono::seconds skew SESAM_GUARDED_BY(clock_mutex){0};
  // the clock stands still when set
  std::optional<token::Clock::time_point> frozen SESAM_GUARDED_BY(clock_mutex);
  std::string remote_addr = "192.0.2.10";
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

int CountOf(const std::string& text, const std::string& part) {
  int count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// Headers apart from Set-Cookie, in order.
std::vector<std::pair<std::string, std::string>> Comparable(const Response& response) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& header : response.headers) {
    if (header.first != "Set-Cookie") out.push_back(header);
  }
  return out;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_GROUP(App) {
  std::optional<Stack> stack;
  void setup() override { stack.emplace(); }
  void teardown() override { stack.reset(); }
};

TEST(App, ForgotFormHasFieldsLabelsCookieAndHeaders) {
  const Response form = stack->Send("GET", "/sesam/forgot");
  LONGS_EQUAL(200, form.status);
  CHECK_TRUE(Contains(form.body, "name=\"username\""));
  CHECK_TRUE(Contains(form.body, "name=\"email\""));
  CHECK_TRUE(Contains(form.body, "<label for=\"username\">"));
  CHECK_TRUE(Contains(form.body, "<label for=\"email\">"));
  CHECK_TRUE(Contains(form.body, "mailto:helpdesk@school.be"));
  CHECK_FALSE(Stack::FormCsrf(form.body).empty());
  const std::string cookie(form.Header("Set-Cookie").value_or(""));
  CHECK_TRUE(Contains(cookie, "sesam_csrf="));
  CHECK_TRUE(Contains(cookie, "HttpOnly"));
  CHECK_TRUE(Contains(cookie, "SameSite=Strict"));
  CHECK_TRUE(Contains(cookie, "Secure"));
  STRCMP_EQUAL("default-src 'self'; frame-ancestors 'none'; form-action 'self'",
               std::string(form.Header("Content-Security-Policy").value_or("")).c_str());
  STRCMP_EQUAL("no-referrer", std::string(form.Header("Referrer-Policy").value_or("")).c_str());
  STRCMP_EQUAL("nosniff", std::string(form.Header("X-Content-Type-Options").value_or("")).c_str());
  CHECK_TRUE(form.Header("Strict-Transport-Security").has_value());
}

TEST(App, SecurityHeadersOnEveryResponse) {
  for (const char* target :
       {"/sesam/nope", "/elsewhere", "/sesam/sent", "/sesam/done", "/sesam/policy.json",
        "/sesam/healthz", "/sesam/static/sesam.css", "/sesam/otp/garbage"}) {
    const Response response = stack->Send("GET", target);
    CHECK_TEXT(response.Header("Content-Security-Policy").has_value(), target);
    CHECK_TEXT(response.Header("X-Content-Type-Options").has_value(), target);
    CHECK_TEXT(response.Header("Referrer-Policy").has_value(), target);
  }
  LONGS_EQUAL(404, stack->Send("GET", "/elsewhere").status);
  LONGS_EQUAL(405, stack->Send("DELETE", "/sesam/forgot").status);
}

TEST(App, PostForgotWithoutValidCsrfIs403) {
  const auto [cookie, csrf] = stack->Session();
  LONGS_EQUAL(
      403, stack->Send("POST", "/sesam/forgot", "username=jan.selle&email=jan%40school.be", cookie)
               .status);
  LONGS_EQUAL(
      403,
      stack->Send("POST", "/sesam/forgot", "username=jan.selle&email=jan%40school.be&csrf=" + csrf)
          .status);
  LONGS_EQUAL(
      403,
      stack
          ->Send("POST", "/sesam/forgot",
                 "username=jan.selle&email=jan%40school.be&csrf=" + std::string(64, 'a'), cookie)
          .status);
  stack->queue->WaitIdle();
  CHECK_TRUE(stack->mailer.Take().empty());
}

TEST(App, MalformedOrRepeatedFieldsAre400) {
  const auto [cookie, csrf] = stack->Session();
  const Response bad_address = stack->Send(
      "POST", "/sesam/forgot", "username=jan.selle&email=not-an-address&csrf=" + csrf, cookie);
  LONGS_EQUAL(400, bad_address.status);
  CHECK_TRUE(Contains(bad_address.body, "aria-describedby=\"form-error\""));
  LONGS_EQUAL(
      400,
      stack
          ->Send("POST", "/sesam/forgot",
                 "username=jan.selle&email=a%40b.be&email=jan%40school.be&csrf=" + csrf, cookie)
          .status);
  LONGS_EQUAL(400, stack
                       ->Send("POST", "/sesam/forgot",
                              "username[]=jan.selle&email=jan%40school.be&csrf=" + csrf, cookie)
                       .status);
  Request huge;
  huge.method = "POST";
  huge.path = "/sesam/forgot";
  huge.content_type = "application/x-www-form-urlencoded";
  huge.body_too_large = true;
  LONGS_EQUAL(413, stack->app->Handle(huge).status);
  stack->queue->WaitIdle();
  CHECK_TRUE(stack->mailer.Take().empty());
}

TEST(App, IdenticalWaitingRequestsAreMergedIntoOneRound) {
  // The one reset worker is kept busy by a first request, so the next ones wait.
  stack->directory.HoldFinds();
  // Not a structured binding: clang 14 cannot capture one in a lambda.
  const auto session = stack->Session();
  const std::string& cookie = session.first;
  const std::string& csrf = session.second;
  const auto post = [&](const std::string& username, const std::string& email) {
    return stack
        ->Send("POST", "/sesam/forgot",
               "username=" + username + "&email=" + email + "&csrf=" + csrf, cookie)
        .status;
  };
  LONGS_EQUAL(303, post("nobody", "x%40school.be"));
  while (stack->directory.finds_waiting() == 0) std::this_thread::yield();
  // A double click and an impatient resubmit (other case, spaces): one round.
  LONGS_EQUAL(303, post("jan.selle", "jan%40school.be"));
  LONGS_EQUAL(303, post("jan.selle", "jan%40school.be"));
  LONGS_EQUAL(303, post("jan.selle", "+JAN%40School.be+"));
  // Another address of the same account is another request.
  LONGS_EQUAL(303, post("jan.selle", "mama.selle%40example.org"));
  stack->directory.ReleaseFinds();
  stack->queue->WaitIdle();
  // Two rounds for jan.selle (own address; mum's address), three messages each.
  LONGS_EQUAL(6, stack->mailer.Take().size());
  LONGS_EQUAL(3, stack->directory.find_calls());
}

TEST(App, TheQueueWorksOffRequestsAtItsRateAndDrainsOnShutdown) {
  ResetQueue paced(*stack->flow, ResetQueueOptions{{1, std::chrono::hours(1)}, 1});
  const int before = stack->directory.find_calls();
  paced.Submit({"nobody.1", "a@school.be", "192.0.2.1", "nl"});
  paced.Submit({"nobody.2", "a@school.be", "192.0.2.1", "nl"});
  for (int i = 0; i < 10'000 && stack->directory.find_calls() == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  LONGS_EQUAL(before + 1, stack->directory.find_calls());
  // One request per hour: the second waits for its turn...
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  LONGS_EQUAL(before + 1, stack->directory.find_calls());
  // ...unless the process stops: then what is queued is worked off at once.
  paced.Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  LONGS_EQUAL(before + 2, stack->directory.find_calls());
}

TEST(App, PostForgotAnswersTheSameWhateverTheAccount) {
  const Response unknown = stack->Forgot("nobody", "jan@school.be");
  const Response wrong = stack->Forgot("jan.selle", "someone@else.be");
  const Response lone = stack->Forgot("zonder.adres", "x@school.be");
  const Response right = stack->Forgot("jan.selle", "jan@school.be");
  stack->directory.SetDown(true);
  const Response down = stack->Forgot("jan.selle", "jan@school.be");
  stack->directory.SetDown(false);
  for (const Response* response : {&unknown, &wrong, &lone, &right, &down}) {
    LONGS_EQUAL(303, response->status);
    CHECK_TRUE(Comparable(unknown) == Comparable(*response));
    CHECK_TRUE(unknown.body == response->body);
  }
  STRCMP_EQUAL("https://wachtwoord.school.be/sesam/sent",
               std::string(right.Header("Location").value_or("")).c_str());
  LONGS_EQUAL(3, stack->mailer.Take().size());
}

TEST(App, EveryKnownAddressGetsItsOwnMessage) {
  LONGS_EQUAL(303, stack->Forgot("jan.selle", "  Mama.Selle@EXAMPLE.org ").status);
  const auto messages = stack->mailer.Take();
  LONGS_EQUAL(3, messages.size());
  const std::vector<std::string> all = {"jan@school.be", "mama.selle@example.org",
                                        "papa.selle@example.net"};
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const MailMessage& message = messages[i];
    STRCMP_EQUAL(all[i].c_str(), message.to_address.c_str());
    for (const auto& other : all) {
      if (other == message.to_address) continue;
      CHECK_FALSE(Contains(message.text_body, other));
      CHECK_FALSE(Contains(message.html_body, other));
    }
    CHECK_FALSE(Stack::LinkPath(message).empty());
    CHECK_TRUE(Contains(message.html_body, "/sesam/otp/"));
    CHECK_TRUE(Contains(message.subject, "Sint-Jan"));
  }
  // Dutch by default; the owner is greeted by name, a co-account is told which account.
  CHECK_TRUE(Contains(messages[0].text_body, "Beste Jan,"));
  CHECK_TRUE(Contains(messages[0].text_body, "je huidige wachtwoord blijft werken"));
  CHECK_TRUE(Contains(messages[1].text_body, "jan.selle"));
  CHECK_TRUE(Contains(messages[2].text_body, "jan.selle"));
  STRCMP_EQUAL("nl", messages[0].language.c_str());
  // Each message carries its own link.
  CHECK_TRUE(Stack::LinkPath(messages[0]) != Stack::LinkPath(messages[1]));
}

TEST(App, LinkOpensFormWithoutSideEffectThenChangesOnce) {
  CHECK_EQUAL(303, stack->Forgot("jan.selle", "jan@school.be").status);
  const auto messages = stack->mailer.Take();
  const std::string link = Stack::LinkPath(messages[0]);
  for (int i = 0; i < 3; ++i) {
    const Response form = stack->Send("GET", link);
    LONGS_EQUAL(200, form.status);
    STRCMP_EQUAL("no-store", std::string(form.Header("Cache-Control").value_or("")).c_str());
    CHECK_TRUE(Contains(form.body, "jan.selle"));
    CHECK_TRUE(Contains(form.body, "<label for=\"password\">"));
    CHECK_TRUE(Contains(form.body, "<label for=\"password2\">"));
    CHECK_TRUE(Contains(form.body, "data-rule=\"min_length\""));
    CHECK_TRUE(Contains(form.body, "data-rule=\"match\""));
  }
  LONGS_EQUAL(0, stack->directory.set_password_calls());

  const Response mismatch = stack->Change(link, kGoodPassword, "Zomer-Vakantie-2027!");
  LONGS_EQUAL(422, mismatch.status);
  const Response weak = stack->Change(link, "kort", "kort");
  LONGS_EQUAL(422, weak.status);
  CHECK_TRUE(Contains(weak.body, "class=\"fail\""));
  LONGS_EQUAL(0, stack->directory.set_password_calls());
  STRCMP_EQUAL("Oud-Wachtwoord-1", stack->directory.Password("jan.selle").c_str());

  const Response done = stack->Change(link, kGoodPassword, kGoodPassword);
  LONGS_EQUAL(303, done.status);
  STRCMP_EQUAL("https://wachtwoord.school.be/sesam/done",
               std::string(done.Header("Location").value_or("")).c_str());
  STRCMP_EQUAL(kGoodPassword, stack->directory.Password("jan.selle").c_str());

  // Used: this link and its siblings from the same round are dead.
  LONGS_EQUAL(410, stack->Send("GET", link).status);
  LONGS_EQUAL(410, stack->Change(link, "Nog-Een-Ander-9!", "Nog-Een-Ander-9!").status);
  LONGS_EQUAL(410, stack->Send("GET", Stack::LinkPath(messages[1])).status);
  STRCMP_EQUAL(kGoodPassword, stack->directory.Password("jan.selle").c_str());
}

// A stranger who knows a username and one of its addresses can ask again and
// again: the pupil's link must keep working. Using any link kills them all.
TEST(App, NewerRequestKeepsOlderLinksAndUsingOneKillsAll) {
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string old_link = Stack::LinkPath(stack->mailer.Take()[0]);
  stack->Forgot("jan.selle", "papa.selle@example.net");
  const std::string new_link = Stack::LinkPath(stack->mailer.Take()[0]);
  LONGS_EQUAL(200, stack->Send("GET", old_link).status);
  LONGS_EQUAL(200, stack->Send("GET", new_link).status);
  LONGS_EQUAL(303, stack->Change(old_link, kGoodPassword, kGoodPassword).status);
  LONGS_EQUAL(410, stack->Send("GET", new_link).status);
  LONGS_EQUAL(410, stack->Send("GET", old_link).status);
}

// A round counts while its messages wait or once one was accepted; a round
// whose messages all failed (an SMTP outage) is taken back, and so are the
// recipients' counts.
TEST(App, RoundWhoseMailsAllFailedDoesNotCount) {
  stack->config.web.account_limit = {1, std::chrono::hours(1)};
  stack->Build();
  stack->Forgot("jan.selle", "jan@school.be");
  auto failed = stack->mailer.Take();
  LONGS_EQUAL(3, failed.size());
  LONGS_EQUAL(1, stack->directory.rounds("jan.selle"));
  // While they wait in the queue, the round counts: a second request is limited.
  stack->Forgot("jan.selle", "jan@school.be");
  CHECK_TRUE(stack->mailer.Take().empty());
  failed[0].on_done(false);
  failed[1].on_done(false);
  LONGS_EQUAL(1, stack->directory.rounds("jan.selle"));  // one still waits
  failed[2].on_done(false);
  LONGS_EQUAL(0, stack->directory.rounds("jan.selle"));
  LONGS_EQUAL(1, stack->directory.cancel_calls());
  // The outage is over: the pupil can ask again.
  stack->Forgot("jan.selle", "jan@school.be");
  auto delivered = stack->mailer.Take();
  LONGS_EQUAL(3, delivered.size());
  delivered[0].on_done(false);
  delivered[1].on_done(true);
  delivered[2].on_done(false);
  LONGS_EQUAL(1, stack->directory.rounds("jan.selle"));  // one was accepted: it counts
  LONGS_EQUAL(1, stack->directory.cancel_calls());
}

// Nobody can mail-bomb a parent: past recipient_limit an address is skipped,
// the rest of the round still goes out. The store holds no address.
TEST(App, RecipientAtItsCapIsSkippedTheOthersStillGetTheirs) {
  stack->config.web.account_limit = {0, std::chrono::hours(1)};
  stack->config.web.recipient_limit = {2, std::chrono::hours(1)};
  ldap::Account sister;
  sister.username = "lies.selle";
  sister.id = "0f1e2d3c-0000-4000-8000-000000000003";
  sister.own_addresses = {"lies@school.be"};
  sister.coaccount_addresses = {"mama.selle@example.org"};
  stack->directory.Add(sister, "Oud-Wachtwoord-3");
  stack->Build();
  stack->Forgot("jan.selle", "jan@school.be");
  LONGS_EQUAL(3, stack->mailer.Take().size());
  // The same mother through another child: her cap holds across accounts.
  stack->Forgot("lies.selle", "lies@school.be");
  LONGS_EQUAL(2, stack->mailer.Take().size());
  stack->Forgot("jan.selle", "jan@school.be");
  const auto third = stack->mailer.Take();
  LONGS_EQUAL(2, third.size());
  STRCMP_EQUAL("jan@school.be", third[0].to_address.c_str());
  STRCMP_EQUAL("papa.selle@example.net", third[1].to_address.c_str());
  for (const auto& key : stack->store.Keys()) CHECK_FALSE(Contains(key, "@"));
  // A message that failed is taken back from its recipient's count.
  stack->Forgot("lies.selle", "lies@school.be");
  auto fourth = stack->mailer.Take();
  LONGS_EQUAL(1, fourth.size());  // lies@ (2nd); mama is at her cap
  stack->Forgot("lies.selle", "lies@school.be");
  LONGS_EQUAL(0, stack->mailer.Take().size());  // everybody capped: no mail, same answer
  fourth[0].on_done(false);
  stack->Forgot("lies.selle", "lies@school.be");
  LONGS_EQUAL(1, stack->mailer.Take().size());
}

// No mail rather than no limit: a store that cannot count stops the form.
TEST(App, BrokenStateStoreSendsNoMailButAnswersTheSame) {
  const Response before = stack->Forgot("jan.selle", "jan@school.be");
  LONGS_EQUAL(3, stack->mailer.Take().size());
  stack->store.SetBroken(true);
  const Response broken = stack->Forgot("jan.selle", "jan@school.be");
  CHECK_TRUE(Comparable(before) == Comparable(broken));
  CHECK_TRUE(stack->mailer.Take().empty());
  LONGS_EQUAL(1, stack->directory.rounds("jan.selle"));  // and no round burnt
}

// An account whose id cannot be read (e.g. AD without objectGUID access):
// no link, no round, no recipient counted, and one admin line naming the
// attribute.
TEST(App, AccountWithoutAnIdGetsNoLinkAndCostsNoRound) {
  ldap::Account anon;
  anon.dn = "uid=zonder.id,ou=people,dc=school,dc=be";
  anon.username = "zonder.id";
  anon.own_addresses = {"zonder.id@school.be"};
  stack->directory.Add(anon, "Oud-Wachtwoord-3");
  ldap::ServerProfile profile;
  profile.id_attribute = "objectGUID";
  stack->directory.SetProfile(profile);
  StderrCapture log;
  stack->Forgot("zonder.id", "zonder.id@school.be");
  CHECK_TRUE(stack->mailer.Take().empty());
  LONGS_EQUAL(0, stack->directory.rounds("zonder.id"));
  CHECK_TRUE(stack->store.Keys().empty());
  LONGS_EQUAL(1, CountOf(log.Text(), "no readable objectGUID"));
}

// The helpdesk's override ignores account_limit; its round is still recorded.
TEST(App, HelpdeskIgnoresTheAccountLimit) {
  stack->config.web.account_limit = {1, std::chrono::hours(1)};
  stack->Build();
  stack->Forgot("jan.selle", "jan@school.be");
  LONGS_EQUAL(3, stack->mailer.Take().size());
  const ldap::Account jan = stack->directory.FindAccount("jan.selle").value();
  CHECK_TRUE(stack->flow->SendLinks(jan, "nl").status().reason() == "account_limit");
  const auto sent = stack->flow->SendLinks(jan, "nl", AccountLimit::kIgnore);
  CHECK_TRUE_TEXT(sent.ok(), sent.status().ToString().c_str());
  LONGS_EQUAL(3, sent->queued);
  LONGS_EQUAL(2, stack->directory.rounds("jan.selle"));
  // With the store broken the helpdesk still sends, and says it did not count.
  stack->mailer.Take();
  stack->store.SetBroken(true);
  const auto uncounted = stack->flow->SendLinks(jan, "nl", AccountLimit::kIgnore);
  CHECK_TRUE(uncounted.ok());
  CHECK_FALSE(uncounted->counted);
  LONGS_EQUAL(3, uncounted->queued);
}

// Links die when their reason goes: a disabled account, a removed recipient.
TEST(App, DisabledAccountGetsNoMailAndItsLinksDie) {
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  stack->directory.SetDisabled("jan.selle", true);
  LONGS_EQUAL(410, stack->Send("GET", link).status);
  LONGS_EQUAL(410, stack->Change(link, kGoodPassword, kGoodPassword).status);
  LONGS_EQUAL(303, stack->Forgot("jan.selle", "jan@school.be").status);
  CHECK_TRUE(stack->mailer.Take().empty());
  stack->directory.SetDisabled("jan.selle", false);
  LONGS_EQUAL(200, stack->Send("GET", link).status);
  STRCMP_EQUAL("Oud-Wachtwoord-1", stack->directory.Password("jan.selle").c_str());
}

TEST(App, RemovedCoAccountLosesItsLinksTheOthersKeepTheirs) {
  stack->Forgot("jan.selle", "jan@school.be");
  const auto messages = stack->mailer.Take();
  stack->directory.SetCoAccountAddresses("jan.selle", {"papa.selle@example.net"});
  LONGS_EQUAL(200, stack->Send("GET", Stack::LinkPath(messages[0])).status);  // jan
  LONGS_EQUAL(410, stack->Send("GET", Stack::LinkPath(messages[1])).status);  // mama: removed
  LONGS_EQUAL(410,
              stack->Change(Stack::LinkPath(messages[1]), kGoodPassword, kGoodPassword).status);
  LONGS_EQUAL(200, stack->Send("GET", Stack::LinkPath(messages[2])).status);  // papa
}

// The request mail says honestly that someone asked, and when.
TEST(App, RequestMailSaysWhenAndThatItMayNotHaveBeenTheReader) {
  stack->Forgot("jan.selle", "jan@school.be");
  const auto messages = stack->mailer.Take();
  const LocalTime at = FormatLocalTime(stack->Now());
  CHECK_TRUE(Contains(messages[0].text_body, at.date));
  CHECK_TRUE(Contains(messages[0].text_body, "iemand anders"));
  CHECK_TRUE(Contains(messages[1].text_body, at.date));
}

// After a change every address hears of it, without a link.
TEST(App, ChangeSendsANoticeToEveryAddressWithoutALink) {
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  LONGS_EQUAL(303, stack->Change(link, kGoodPassword, kGoodPassword).status);
  const auto notices = stack->mailer.Take();
  LONGS_EQUAL(3, notices.size());
  for (const auto& notice : notices) {
    CHECK_FALSE(Contains(notice.text_body, "/otp/"));
    CHECK_FALSE(Contains(notice.html_body, "/otp/"));
    CHECK_TRUE(Contains(notice.text_body, "jan.selle"));
    CHECK_TRUE(Contains(notice.text_body, "helpdesk@school.be"));
    CHECK_TRUE(Contains(notice.subject, "jan.selle"));
  }
  STRCMP_EQUAL("mama.selle@example.org", notices[1].to_address.c_str());
}

TEST(App, ChangeNoticeOwnOrOff) {
  stack->config.mail.change_notice = config::ChangeNotice::kOwn;
  stack->Build();
  stack->Forgot("jan.selle", "jan@school.be");
  std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  LONGS_EQUAL(303, stack->Change(link, kGoodPassword, kGoodPassword).status);
  const auto own = stack->mailer.Take();
  LONGS_EQUAL(1, own.size());
  STRCMP_EQUAL("jan@school.be", own[0].to_address.c_str());
  stack->config.mail.change_notice = config::ChangeNotice::kOff;
  stack->Build();
  stack->Forgot("jan.selle", "jan@school.be");
  link = Stack::LinkPath(stack->mailer.Take()[0]);
  LONGS_EQUAL(303, stack->Change(link, "Herfst-Vakantie-2026!", "Herfst-Vakantie-2026!").status);
  CHECK_TRUE(stack->mailer.Take().empty());
}

TEST(App, PasswordChangedElsewhereKillsLinks) {
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  stack->directory.ChangeElsewhere("jan.selle", "Via-Passwd-123!");
  LONGS_EQUAL(410, stack->Send("GET", link).status);
  LONGS_EQUAL(410, stack->Change(link, kGoodPassword, kGoodPassword).status);
  STRCMP_EQUAL("Via-Passwd-123!", stack->directory.Password("jan.selle").c_str());
}

TEST(App, ExpiredOrTamperedLinksAre410) {
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  std::string tampered = link;
  tampered[tampered.size() - 30] = tampered[tampered.size() - 30] == 'A' ? 'B' : 'A';
  LONGS_EQUAL(410, stack->Send("GET", tampered).status);
  LONGS_EQUAL(410, stack->Send("GET", "/sesam/otp/eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.").status);
  LONGS_EQUAL(410, stack->Send("GET", link + ".extra").status);
  stack->AddSkew(std::chrono::minutes(11));  // the default lifetime is 10 minutes
  LONGS_EQUAL(410, stack->Send("GET", link).status);
}

TEST(App, DirectoryDownIs503AndWritesNothing) {
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  const Response form = stack->Send("GET", link);
  const std::string set_cookie(form.Header("Set-Cookie").value_or(""));
  stack->directory.SetDown(true);
  LONGS_EQUAL(503, stack->Send("GET", link).status);
  const Response post =
      stack->Send("POST", link,
                  std::string("password=") + kGoodPassword + "&password2=" + kGoodPassword +
                      "&csrf=" + Stack::FormCsrf(form.body),
                  set_cookie.substr(0, set_cookie.find(';')));
  LONGS_EQUAL(503, post.status);
  LONGS_EQUAL(503, stack->Send("GET", "/sesam/healthz").status);
  stack->directory.SetDown(false);
  stack->AddSkew(std::chrono::seconds(1));  // healthz keeps its answer for a second
  LONGS_EQUAL(200, stack->Send("GET", "/sesam/healthz").status);
  STRCMP_EQUAL("Oud-Wachtwoord-1", stack->directory.Password("jan.selle").c_str());
}

TEST(App, HealthzSaysWhenMailIsFailingAndFailsOnlyWhenAskedTo) {
  Response health = stack->Send("GET", "/sesam/healthz");
  LONGS_EQUAL(200, health.status);
  STRCMP_EQUAL("ok\n", health.body.c_str());
  stack->mail_health.Record(DeliveryAttempt::kAccepted);
  stack->mail_health.Record(DeliveryAttempt::kDeferred);
  stack->mail_health.Record(DeliveryAttempt::kDeferred);
  stack->mail_health.Record(DeliveryAttempt::kRefused);
  health = stack->Send("GET", "/sesam/healthz");
  // A load balancer keeps the node: every node shares the mail server.
  LONGS_EQUAL(200, health.status);
  STRCMP_EQUAL("mail failing: 2 deferred, 1 refused in the last 5 minutes\n", health.body.c_str());
  // A monitor asks with ?mail and gets a 503.
  health = stack->Send("GET", "/sesam/healthz?mail");
  LONGS_EQUAL(503, health.status);
  STRCMP_EQUAL("mail failing: 2 deferred, 1 refused in the last 5 minutes\n", health.body.c_str());
  stack->directory.SetDown(true);
  stack->AddSkew(std::chrono::seconds(1));
  health = stack->Send("GET", "/sesam/healthz");
  LONGS_EQUAL(503, health.status);
  STRCMP_EQUAL("directory unavailable\nmail failing: 2 deferred, 1 refused in the last 5 minutes\n",
               health.body.c_str());
}

// A write whose answer the directory lost (ldap::Directory::SetPassword).
TEST(App, AWriteThatDidNotLandKeepsTheLinkUsable) {
  using Lands = sesam::testing::FakeDirectory::Lands;
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  for (const std::string_view reason :
       {sesam::ldap::kPasswordNotChanged, sesam::ldap::kPasswordUnconfirmed}) {
    stack->directory.LoseNextWrite(reason, Lands::kNo);
    const Response lost = stack->Change(link, kGoodPassword, kGoodPassword);
    LONGS_EQUAL(503, lost.status);
    const bool unconfirmed = reason == sesam::ldap::kPasswordUnconfirmed;
    CHECK_EQUAL(!unconfirmed, Contains(lost.body, "Er werd niets gewijzigd"));
    CHECK_EQUAL(unconfirmed, Contains(lost.body, "We konden niet nagaan of je nieuwe wachtwoord"));
    STRCMP_EQUAL("Oud-Wachtwoord-1", stack->directory.Password("jan.selle").c_str());
    LONGS_EQUAL(200, stack->Send("GET", link).status);
  }
  LONGS_EQUAL(303, stack->Change(link, kGoodPassword, kGoodPassword).status);
  STRCMP_EQUAL(kGoodPassword, stack->directory.Password("jan.selle").c_str());
}

TEST(App, AnUnconfirmedWriteThatLandedSpendsTheLink) {
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  stack->directory.LoseNextWrite(sesam::ldap::kPasswordUnconfirmed,
                                 sesam::testing::FakeDirectory::Lands::kYes);
  const Response lost = stack->Change(link, kGoodPassword, kGoodPassword);
  LONGS_EQUAL(503, lost.status);
  CHECK_TRUE(Contains(lost.body, "Probeer ermee aan te melden"));
  CHECK_FALSE(Contains(lost.body, "Er werd niets gewijzigd"));
  STRCMP_EQUAL(kGoodPassword, stack->directory.Password("jan.selle").c_str());
  LONGS_EQUAL(410, stack->Send("GET", link).status);
}

TEST(App, PostOtpWithoutCsrfIs403) {
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  LONGS_EQUAL(403,
              stack
                  ->Send("POST", link,
                         std::string("password=") + kGoodPassword + "&password2=" + kGoodPassword)
                  .status);
  LONGS_EQUAL(0, stack->directory.set_password_calls());
}

TEST(App, AccountLimitStopsMailButNotTheAnswer) {
  stack->config.web.account_limit = {2, std::chrono::hours(1)};
  stack->Build();
  const Response first = stack->Forgot("jan.selle", "jan@school.be");
  stack->Forgot("jan.selle", "jan@school.be");
  LONGS_EQUAL(6, stack->mailer.Take().size());
  const Response limited = stack->Forgot("jan.selle", "jan@school.be");
  LONGS_EQUAL(303, limited.status);
  CHECK_TRUE(Comparable(first) == Comparable(limited));
  CHECK_TRUE(stack->mailer.Take().empty());
}

TEST(App, IpLimitAnswers429WithRetryAfter) {
  stack->config.web.ip_limit = {2, std::chrono::minutes(10)};
  stack->Build();
  LONGS_EQUAL(303, stack->Forgot("nobody", "a@b.be").status);
  LONGS_EQUAL(303, stack->Forgot("nobody", "a@b.be").status);
  const Response limited = stack->Forgot("nobody", "a@b.be");
  LONGS_EQUAL(429, limited.status);
  CHECK_TRUE(limited.Header("Retry-After").has_value());
}

TEST(App, ReturnUrlOnlyFromTheAllowlist) {
  const Response evil = stack->Send("GET", "/sesam/forgot?return=https%3A%2F%2Fevil.example%2F");
  for (const auto& [name, value] : evil.headers) CHECK_FALSE(Contains(value, "evil.example"));
  CHECK_FALSE(Contains(evil.body, "evil.example"));
  const Response good =
      stack->Send("GET", "/sesam/forgot?return=https%3A%2F%2Fsso.school.be%2Frealms%2Fx");
  std::string return_cookie;
  for (const auto& [name, value] : good.headers) {
    if (Contains(value, "sesam_return=")) return_cookie = value.substr(0, value.find(';'));
  }
  CHECK_FALSE(return_cookie.empty());
  const Response done = stack->Send("GET", "/sesam/done", "", return_cookie);
  CHECK_TRUE(Contains(done.body, "href=\"https://sso.school.be/realms/x\""));
  const Response plain = stack->Send("GET", "/sesam/done");
  CHECK_TRUE(Contains(plain.body, "href=\"https://login.school.be/\""));
}

TEST(App, LanguageFromQuery) {
  const Response french = stack->Send("GET", "/sesam/forgot?lang=fr");
  CHECK_TRUE(Contains(french.body, "<html lang=\"fr\">"));
  CHECK_TRUE(Contains(french.body, "action=\"/sesam/forgot?lang=fr\""));
  CHECK_TRUE(Contains(french.body, "Mot de passe oublié"));
  const Response dutch = stack->Send("GET", "/sesam/forgot");
  CHECK_TRUE(Contains(dutch.body, "<html lang=\"nl\">"));
}

TEST(App, PolicyJsonAndStaticFiles) {
  const Response json = stack->Send("GET", "/sesam/policy.json");
  LONGS_EQUAL(200, json.status);
  CHECK_TRUE(Contains(json.body, "\"min_length\""));
  const Response script = stack->Send("GET", "/sesam/static/sesam.js");
  LONGS_EQUAL(200, script.status);
  CHECK_TRUE(Contains(script.body, "policy"));
}

TEST(App, HealthzPingsAtMostOncePerSecondWhateverTheLoad) {
  stack->Freeze();
  stack->directory.HoldPings();
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (stack->Send("GET", "/sesam/healthz").status == 200) ++answered;
      }
    });
  }
  // One thread pings and is held there; the others wait for its answer.
  while (stack->directory.pings_waiting() == 0) std::this_thread::yield();
  stack->directory.ReleasePings();
  for (auto& thread : threads) thread.join();
  LONGS_EQUAL(200, answered.load());
  LONGS_EQUAL(1, stack->directory.ping_calls());
  // A second later the answer is asked again, once; a directory that went
  // down shows then, not before.
  stack->directory.SetDown(true);
  LONGS_EQUAL(200, stack->Send("GET", "/sesam/healthz").status);
  stack->AddSkew(std::chrono::seconds(1));
  LONGS_EQUAL(503, stack->Send("GET", "/sesam/healthz").status);
  LONGS_EQUAL(503, stack->Send("GET", "/sesam/healthz").status);
  LONGS_EQUAL(2, stack->directory.ping_calls());
  stack->directory.SetDown(false);
}

TEST(App, DeadLinksPerClientEndIn429) {
  stack->config.web.link_failure_limit = {3, std::chrono::minutes(10)};
  stack->Build();
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  for (int i = 0; i < 3; ++i) {
    LONGS_EQUAL(410, stack->Send("GET", "/sesam/otp/garbage" + std::to_string(i)).status);
  }
  for (const std::string& target : {std::string("/sesam/otp/garbage"), link}) {
    const Response limited = stack->Send("GET", target);
    LONGS_EQUAL(429, limited.status);
    CHECK_TRUE(std::stol(std::string(limited.Header("Retry-After").value_or("0"))) > 0);
    STRCMP_EQUAL("no-store", std::string(limited.Header("Cache-Control").value_or("")).c_str());
    CHECK_TRUE(Contains(limited.body, "links geopend die niet meer werken"));
  }
  LONGS_EQUAL(429, stack->Change(link, kGoodPassword, kGoodPassword).status);
  const Response french = stack->Send("GET", "/sesam/otp/x?lang=fr");
  LONGS_EQUAL(429, french.status);
  CHECK_TRUE(Contains(french.body, "liens qui ne fonctionnent plus"));
  LONGS_EQUAL(0, stack->directory.set_password_calls());
  // Another client is not held back; nor is a good link counted.
  stack->remote_addr = "192.0.2.11";
  for (int i = 0; i < 5; ++i) LONGS_EQUAL(200, stack->Send("GET", link).status);
  LONGS_EQUAL(303, stack->Change(link, kGoodPassword, kGoodPassword).status);
}

TEST(App, OneIpv6Slash64IsOneClient) {
  stack->config.web.ip_limit = {2, std::chrono::minutes(10)};
  stack->Build();
  stack->remote_addr = "2001:db8:1:2::1";
  LONGS_EQUAL(303, stack->Forgot("nobody", "a@b.be").status);
  stack->remote_addr = "2001:db8:1:2:aaaa:bbbb:cccc:dddd";
  LONGS_EQUAL(303, stack->Forgot("nobody", "a@b.be").status);
  stack->remote_addr = "2001:db8:1:2::3";
  LONGS_EQUAL(429, stack->Forgot("nobody", "a@b.be").status);
  stack->remote_addr = "2001:db8:1:3::1";
  LONGS_EQUAL(303, stack->Forgot("nobody", "a@b.be").status);
}

TEST(App, NoStoreOnEveryPage) {
  stack->config.web.ip_limit = {1, std::chrono::minutes(10)};
  stack->Build();
  std::vector<std::pair<std::string, Response>> pages;
  pages.emplace_back("forgot", stack->Send("GET", "/sesam/forgot"));
  pages.emplace_back("sent", stack->Send("GET", "/sesam/sent"));
  pages.emplace_back("done", stack->Send("GET", "/sesam/done"));
  pages.emplace_back("404", stack->Send("GET", "/sesam/nope"));
  pages.emplace_back("405", stack->Send("PUT", "/sesam/forgot"));
  pages.emplace_back("403", stack->Send("POST", "/sesam/forgot", "username=a&email=a%40b.be"));
  const auto [cookie, csrf] = stack->Session();
  pages.emplace_back(
      "400", stack->Send("POST", "/sesam/forgot", "username=a&email=nope&csrf=" + csrf, cookie));
  pages.emplace_back("400 field", stack->Send("POST", "/sesam/forgot", "x=1", cookie));
  pages.emplace_back("303", stack->Forgot("jan.selle", "jan@school.be"));
  pages.emplace_back("429", stack->Forgot("jan.selle", "jan@school.be"));
  const std::string link = Stack::LinkPath(stack->mailer.Take()[0]);
  pages.emplace_back("otp", stack->Send("GET", link));
  pages.emplace_back("422", stack->Change(link, "kort", "kort"));
  pages.emplace_back("410", stack->Send("GET", "/sesam/otp/garbage"));
  for (const auto& [name, response] : pages) {
    STRCMP_EQUAL_TEXT("no-store",
                      std::string(response.Header("Cache-Control").value_or("")).c_str(),
                      name.c_str());
  }
  LONGS_EQUAL(429, pages[9].second.status);
  LONGS_EQUAL(422, pages[11].second.status);
}

TEST(App, BadFormLinesAreCutShortAndThrottled) {
  const auto [cookie, csrf] = stack->Session();
  StderrCapture capture;
  for (int i = 0; i < 50; ++i) {
    stack->Send("POST", "/sesam/forgot", "x%0d%0aFAKE" + std::string(2000, 'n') + "=1&csrf=" + csrf,
                cookie);
  }
  const std::string text = capture.Text();
  const int lines = CountOf(text, "bad form from");
  CHECK_TRUE(lines >= 1);
  CHECK_TRUE(lines <= 10);
  CHECK_FALSE(Contains(text, std::string(40, 'n')));
  CHECK_FALSE(Contains(text, "\nFAKE"));
}

TEST(App, AForwardedHopThatIsNoAddressIsLoggedNotPerRequest) {
  stack->config.web.trusted_proxies = {"192.0.2.10"};
  stack->Build();
  StderrCapture capture;
  for (int i = 0; i < 40; ++i) {
    Request request;
    request.method = "GET";
    request.path = "/sesam/sent";
    request.remote_addr = "192.0.2.10";
    request.forwarded_for = "unknown";
    LONGS_EQUAL(200, stack->app->Handle(request).status);
  }
  const int lines = CountOf(capture.Text(), "X-Forwarded-For hop 'unknown'");
  CHECK_TRUE(lines >= 1);
  CHECK_TRUE(lines <= 10);
}
