// SPDX-License-Identifier: Apache-2.0
// What the directory sends back and Sesam decodes itself: the ppolicy
// response control (arbitrary BER), the recorded reset rounds attribute, mail
// attribute values, the password-state stamp, account ids (a token's subject
// becomes a filter) and subschema definitions. (The LDAPResult envelope is
// libldap's ldap_parse_result; only the control's value is ours.)
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "account_id.h"
#include "errors.h"
#include "server_profile.h"
#include "text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ldap = sesam::ldap::internal;
  FuzzedDataProvider input(data, size);
  switch (input.ConsumeIntegralInRange(0, 4)) {
    case 0: {
      const std::string ber = input.ConsumeRemainingBytesAsString();
      const auto response = ldap::DecodePpolicyResponse(ber);
      // Whatever was decoded maps to a Status without surprise.
      (void)ldap::MapResult(19 /* constraintViolation */, "modify", "", response);
      if (response && response->error) (void)ldap::PpolicyReason(*response->error);
      break;
    }
    case 1: {
      const std::string value = input.ConsumeRemainingBytesAsString();
      const auto rounds = ldap::ParseRounds(value);
      // What was parsed is written back and read again unchanged.
      if (ldap::ParseRounds(ldap::FormatRounds(rounds)) != rounds) std::abort();
      break;
    }
    case 2: {
      std::vector<std::string> values;
      while (input.remaining_bytes() > 0 && values.size() < 16) {
        values.push_back(input.ConsumeRandomLengthString(64));
      }
      const auto exclude =
          std::vector<std::string>(values.begin(), values.begin() + values.size() / 2);
      (void)ldap::NormalizeAddresses(values, exclude);
      (void)ldap::PasswordState(values, exclude.empty() ? "" : exclude.front());
      break;
    }
    case 3: {
      const std::string text = input.ConsumeRemainingBytesAsString();
      for (const char* attribute : {"entryUUID", "nsUniqueId", "objectGUID"}) {
        const auto filter = ldap::IdFilter(attribute, text);
        // Only hex digits, '-' and escapes reach a filter: its shape is ours.
        if (filter && filter->find_first_of("*()", filter->find('=')) != filter->size() - 1) {
          std::abort();
        }
      }
      // A GUID's bytes and its string form convert both ways.
      if (const auto guid = ldap::GuidToString(text)) {
        if (ldap::GuidFromString(*guid) != text) std::abort();
      }
      (void)ldap::SchemaDefines({text}, "sesamAccount");
      break;
    }
    default: {
      const std::string text = input.ConsumeRemainingBytesAsString();
      (void)ldap::ExpandFilter("(&(objectClass=person)(uid={username}))", text);
      (void)ldap::ExpandFilter(text, "jan");
      (void)ldap::ExpandFilterAnyUser(text);
      (void)ldap::EscapeDnValue(text);
      break;
    }
  }
  return 0;
}
