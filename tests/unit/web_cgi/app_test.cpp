// The whole reset flow through App, ResetFlow and ResetQueue, with a fake
// directory and mailer: status codes, headers, CSRF, limits, the mails and
// every way a link dies.
#include "sesam/web/app.h"

#include <optional>
#include <regex>
#include <thread>

#include "csrf.h"
#include "fakes/fake_directory.h"
#include "fakes/fake_mailer.h"

// Last: CppUTest redefines operator new for the code that follows.
#include <CppUTest/TestHarness.h>

using namespace sesam;
using namespace sesam::web;
using sesam::testing::FakeDirectory;
using sesam::testing::FakeMailer;

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
    jan.entry_uuid = "0f1e2d3c-0000-4000-8000-000000000001";
    jan.given_name = "Jan";
    jan.surname = "Selle";
    jan.display_name = "Jan Selle";
    jan.own_addresses = {"jan@school.be"};
    jan.coaccount_addresses = {"mama.selle@example.org", "papa.selle@example.net"};
    directory.Add(jan, "Oud-Wachtwoord-1");
    ldap::Account lone;
    lone.username = "zonder.adres";
    lone.entry_uuid = "0f1e2d3c-0000-4000-8000-000000000002";
    directory.Add(lone, "Oud-Wachtwoord-2");
  }
  ~Stack() { queue->Shutdown(std::chrono::steady_clock::now()); }

  // (Re)builds the parts that read `config`.
  void Build() {
    if (queue) queue->Shutdown(std::chrono::steady_clock::now());
    app.reset();
    queue.reset();
    flow.emplace(ResetFlowDeps{&config, &directory, &mailer, &*signer, &translations, &*templates,
                               [this] { return Now(); }});
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
    deps.csrf_key = &csrf_key;
    deps.static_dir = SESAM_SOURCE_DIR "/web_cgi/static";
    deps.now = [this] { return Now(); };
    app.emplace(std::move(deps));
  }

  token::Clock::time_point Now() const { return token::Clock::now() + skew; }

  Response Send(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& cookie = "") {
    Request request;
    request.method = method;
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    request.remote_addr = "192.0.2.10";
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
  std::optional<ResetFlow> flow;
  std::optional<ResetQueue> queue;
  std::optional<App> app;
  std::chrono::seconds skew{0};
};

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

TEST(App, NewerRequestKillsOlderLinks) {
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string old_link = Stack::LinkPath(stack->mailer.Take()[0]);
  stack->Forgot("jan.selle", "jan@school.be");
  const std::string new_link = Stack::LinkPath(stack->mailer.Take()[0]);
  LONGS_EQUAL(410, stack->Send("GET", old_link).status);
  LONGS_EQUAL(200, stack->Send("GET", new_link).status);
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
  stack->skew = std::chrono::minutes(16);
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
  LONGS_EQUAL(200, stack->Send("GET", "/sesam/healthz").status);
  STRCMP_EQUAL("Oud-Wachtwoord-1", stack->directory.Password("jan.selle").c_str());
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
