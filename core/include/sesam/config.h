// SPDX-License-Identifier: Apache-2.0
// The configuration file, /etc/sesam/sesam.conf: one INI file with the sections
// [policy], [ldap], [mail], [web] and [token], read by every part of Sesam.
//
// Every key has a default (docs/sesam.conf.5.md); the defaults live in one
// table per section (core/src/config/*_keys.cpp) so that code, docs and
// DefaultConfig() cannot drift apart. Loading never exits and never throws: it
// returns every problem it found, each naming the file, the line and the key.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::config {

using Duration = std::chrono::milliseconds;

// "20/10m": at most `count` events per `window`.
struct Rate {
  unsigned count = 0;
  Duration window{};
  friend bool operator==(const Rate&, const Rate&) = default;
};

struct PolicySection {
  unsigned min_length;  // in Unicode code points
  unsigned max_length;
  unsigned min_classes;  // of: lower (Ll), upper (Lu), digit (Nd), other
  bool reject_username;
  bool reject_names;
  unsigned max_repeat;  // 0 = off
  bool differ_from_old;
  std::vector<std::string> blocklist;  // text files and pwqfilter binary filters
  bool blocklist_optional;             // a missing blocklist file is skipped, not fatal
  unsigned min_entropy_bits;           // 0 = off; zxcvbn estimate
};

enum class LdapScope { kSub, kOne };
enum class PasswordMode { kExop, kCrypt, kArgon2, kAd };
enum class CryptScheme { kYescrypt, kSha512Crypt };
// Which attribute names an account for good (the subject of reset tokens).
// kAuto: chosen from the server's rootDSE.
enum class IdAttribute { kAuto, kEntryUuid, kNsUniqueId, kObjectGuid };

struct LdapSection {
  std::vector<std::string> uri;  // tried in order
  bool start_tls;
  std::string tls_ca_file;
  bool tls_verify;
  std::string bind_dn;
  std::string bind_password_file;  // secret, mode 0600
  std::string sasl_mech;           // "" or "EXTERNAL"
  std::string base;
  LdapScope scope;
  std::string user_filter;  // contains {username}, replaced RFC 4515-escaped
  std::vector<std::string> name_attribute;
  std::vector<std::string> mail_attributes;
  std::vector<std::string> coaccount_mail_attributes;
  PasswordMode password_mode;
  CryptScheme crypt_scheme;
  bool update_shadow_last_change;
  Duration network_timeout;
  Duration timeout;
  unsigned pool_size;
  Duration failback_interval;  // after a failover, how often an earlier uri is tried
  IdAttribute id_attribute;
  bool unlock_on_reset;  // ad: lockoutTime 0 after a successful reset
};

// Who hears of a password change that Sesam made: every address of the
// account, only its own addresses (not the co-accounts'), or nobody.
enum class ChangeNotice { kAll, kOwn, kOff };

struct MailSection {
  std::string smtp_url;  // smtp://host:port or smtps://host:port
  bool starttls;
  std::string tls_ca_file;  // "" = the system's CA certificates
  std::string username;
  std::string password_file;  // secret, mode 0600
  std::string from;           // "School <noreply@school.be>"
  Duration timeout;
  ChangeNotice change_notice;
  Duration retry_delay;      // first wait after a failed attempt, doubling
  Duration retry_max_delay;  // the longest wait between attempts
  unsigned attempts;         // per message, then it is given up
};

struct WebSection {
  std::string base_url;  // every link is built from it
  std::string login_url;
  std::string helpdesk;
  std::string school_name;
  std::vector<std::string> languages;
  std::string default_language;
  std::vector<std::string> trusted_proxies;  // addresses or CIDR ranges
  std::vector<std::string> return_urls;      // allowed prefixes for ?return=
  Rate ip_limit;
  Rate account_limit;
  Rate recipient_limit;       // messages per recipient address (reset links and notices)
  Rate forgot_rate;           // forgot requests worked off per process (lookups, rounds, mail)
  std::string state_dir;      // absolute; the host's shared counters (sesam/state_store.h)
  Rate link_failure_limit;    // dead otp links per client, then 429
  unsigned limit_clients;     // clients each per-client limit remembers (memory bound)
  Rate change_ip_limit;       // change page: tries per client, then 429
  Rate change_account_limit;  // change page: refused tries per client and username, then 429
};

struct TokenSection {
  std::string key_file;  // secret, mode 0600, at least 32 random bytes
  Duration lifetime;
};

struct Config {
  std::string path;  // the file it was loaded from ("" for defaults only)
  // "section.key" -> the line of `path` that set it; a key left at its default
  // is absent. Lets checks run after loading (CheckTransport) name the line.
  std::map<std::string, int, std::less<>> lines;
  PolicySection policy;
  LdapSection ldap;
  MailSection mail;
  WebSection web;
  TokenSection token;
};

// The compiled-in default path, /etc/sesam/sesam.conf.
std::string_view DefaultPath();

// Every key at its documented default.
Config DefaultConfig();

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;
  int line = 0;  // 0: not tied to a line (missing file, default value)
  std::string key;
  std::string message;
  // "sesam.conf:3: unknown key 'min_lenght' in [policy] (did you mean 'min_length'?)"
  std::string ToString() const;
};

// Whether the loader looks at the files that keys name (secret files must exist
// and be private). The PAM module skips this: it only needs [policy], and a
// login must not depend on the LDAP bind secret.
enum class FileChecks { kYes, kNo };

struct LoadReport {
  Config config;  // meaningful only when ok()
  std::vector<Diagnostic> diagnostics;
  bool ok() const;  // no error (warnings allowed)
  // All errors in one InvalidArgument status, one per line; OK when ok().
  Status ToStatus() const;
};

// Reads and checks `path`. Every problem is reported, not only the first.
LoadReport LoadFile(const std::string& path, FileChecks file_checks = FileChecks::kYes);

// LoadFile, with errors folded into the Status.
Result<Config> Load(const std::string& path, FileChecks file_checks = FileChecks::kYes);

// Sets one key as if it were written in the file, for overrides such as the
// PAM module's `min_length=10` argument. `origin` names where it came from in
// messages ("pam_sesam argument"). Cross-key checks are run by Validate.
Status Set(Config& config, std::string_view section, std::string_view key, std::string_view value,
           std::string_view origin);

// Cross-key checks (e.g. max_length >= min_length) of a whole Config.
Status Validate(const Config& config);

// The errors among `diagnostics` in one InvalidArgument status, one per line;
// OK when there is none (warnings do not count).
Status ErrorsToStatus(const std::vector<Diagnostic>& diagnostics);

// Whether a secret would cross the network in clear. Every password_mode sends
// the new password or its hash over each [ldap] uri, a simple bind sends the
// bind password, and [mail] username sends SMTP credentials; each of these in
// clear to a host that is not loopback is an error, to loopback (127.0.0.0/8,
// ::1, localhost, an empty host) a warning. Protected: ldapi://, ldaps://,
// ldap:// with start_tls = yes, smtps://, smtp:// with starttls = yes. The
// reset links are secrets too: mail without credentials sent in clear to a
// host that is not loopback is a warning (the mail relay hop is usually inside
// the school, and mail between servers is often in clear anyway).
// Diagnostics name file, line and key like LoadFile's. Run by the processes
// that send these (sesam-fcgi, `sesam set-password`, `sesam send-reset`) and
// by `sesam config-test`; never by pam_sesam.so or `sesam check`, which only
// read [policy] and send nothing.
std::vector<Diagnostic> CheckTransport(const Config& config);

// Reads a secret file named by a *_file key: refuses one that is readable by
// group or others, strips one trailing newline.
Result<SecretString> ReadSecretFile(const std::string& path);

// Values accepted in the file, exposed for the parts that read related input
// (e.g. the PAM module's arguments) so they accept exactly the same syntax.
Result<bool> ParseBool(std::string_view text);
Result<Duration> ParseDuration(std::string_view text);
Result<Rate> ParseRate(std::string_view text);
std::vector<std::string> SplitList(std::string_view text);

}  // namespace sesam::config
