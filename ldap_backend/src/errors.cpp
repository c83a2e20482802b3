// SPDX-License-Identifier: Apache-2.0
#include "errors.h"

#include <ldap.h>

#include <cstdint>

namespace sesam::ldap::internal {
namespace {

// A minimal DER reader: enough for the three-field ppolicy response.
struct Reader {
  std::string_view data;

  // Reads one TLV with a single-byte tag; false on malformed input.
  bool Next(unsigned char& tag, std::string_view& value) {
    if (data.size() < 2) return false;
    tag = static_cast<unsigned char>(data[0]);
    std::size_t length = static_cast<unsigned char>(data[1]);
    std::size_t header = 2;
    if (length & 0x80) {
      // BER allows a longer length form than needed: 389-ds sends its
      // 3-byte control as 30 84 00 00 00 03 ... (four length bytes).
      const std::size_t bytes = length & 0x7F;
      if (bytes == 0 || bytes > 4 || data.size() < 2 + bytes) return false;
      length = 0;
      for (std::size_t i = 0; i < bytes; ++i) {
        length = (length << 8) | static_cast<unsigned char>(data[2 + i]);
      }
      header += bytes;
    }
    if (data.size() - header < length) return false;
    value = data.substr(header, length);
    data.remove_prefix(header + length);
    return true;
  }
};

std::optional<int> DecodeInteger(std::string_view bytes) {
  if (bytes.empty() || bytes.size() > 4) return std::nullopt;
  std::int32_t value = static_cast<signed char>(bytes[0]);
  for (std::size_t i = 1; i < bytes.size(); ++i) {
    value = static_cast<std::int32_t>(static_cast<std::uint32_t>(value) << 8 |
                                      static_cast<unsigned char>(bytes[i]));
  }
  return value;
}

std::string Message(std::string_view operation, std::string_view what,
                    std::string_view diagnostic) {
  std::string message = "LDAP " + std::string(operation) + ": " + std::string(what);
  if (!diagnostic.empty()) message += " (" + std::string(diagnostic) + ")";
  return message;
}

}  // namespace

std::optional<PpolicyResponse> DecodePpolicyResponse(std::string_view ber) {
  Reader outer{ber};
  unsigned char tag = 0;
  std::string_view sequence;
  if (!outer.Next(tag, sequence) || tag != 0x30 || !outer.data.empty()) return std::nullopt;
  PpolicyResponse response;
  Reader fields{sequence};
  while (!fields.data.empty()) {
    std::string_view value;
    if (!fields.Next(tag, value)) return std::nullopt;
    if (tag == 0xA0) {  // warning [0] CHOICE, constructed
      Reader choice{value};
      std::string_view number;
      if (!choice.Next(tag, number)) return std::nullopt;
      const std::optional<int> decoded = DecodeInteger(number);
      if (!decoded) return std::nullopt;
      if (tag == 0x80) {
        response.time_before_expiration = decoded;
      } else if (tag == 0x81) {
        response.grace_authn_remaining = decoded;
      } else {
        return std::nullopt;
      }
    } else if (tag == 0x81) {  // error [1] ENUMERATED
      const std::optional<int> decoded = DecodeInteger(value);
      if (!decoded || *decoded < 0 || *decoded > 9) return std::nullopt;
      response.error = static_cast<PpolicyError>(*decoded);
    } else {
      return std::nullopt;
    }
  }
  return response;
}

std::string_view PpolicyReason(PpolicyError error) {
  switch (error) {
    case PpolicyError::kPasswordInHistory:
      return "ppolicy.in_history";
    case PpolicyError::kPasswordTooShort:
      return "ppolicy.too_short";
    case PpolicyError::kInsufficientPasswordQuality:
      return "ppolicy.insufficient_quality";
    case PpolicyError::kPasswordTooYoung:
      return "ppolicy.too_young";
    default:
      return "ppolicy.other";
  }
}

Status MapResult(int code, std::string_view operation, std::string_view diagnostic,
                 const std::optional<PpolicyResponse>& ppolicy) {
  if (ppolicy && ppolicy->error) {
    return Status(StatusCode::kFailedPrecondition,
                  Message(operation, "refused by the password policy", diagnostic),
                  std::string(PpolicyReason(*ppolicy->error)));
  }
  const std::string what = ldap_err2string(code);
  switch (code) {
    case LDAP_SUCCESS:
    case LDAP_COMPARE_TRUE:
    case LDAP_COMPARE_FALSE:
      return Status::Ok();
    case LDAP_SERVER_DOWN:
    case LDAP_CONNECT_ERROR:
    case LDAP_UNAVAILABLE:
    case LDAP_BUSY:
      return UnavailableError(Message(operation, what, diagnostic));
    case LDAP_TIMEOUT:
    case LDAP_TIMELIMIT_EXCEEDED:
      return DeadlineExceededError(Message(operation, what, diagnostic));
    case LDAP_NO_SUCH_OBJECT:
      return NotFoundError(Message(operation, what, diagnostic));
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_STRONG_AUTH_REQUIRED:
    case LDAP_CONFIDENTIALITY_REQUIRED:
      return PermissionDeniedError(Message(operation, what, diagnostic));
    case LDAP_ASSERTION_FAILED:
    case LDAP_NO_SUCH_ATTRIBUTE:
    case LDAP_TYPE_OR_VALUE_EXISTS:
      // A compare-and-swap lost: somebody else changed the entry first.
      return Status(StatusCode::kFailedPrecondition, Message(operation, what, diagnostic),
                    "changed_concurrently");
    case LDAP_CONSTRAINT_VIOLATION:
      return Status(StatusCode::kFailedPrecondition, Message(operation, what, diagnostic),
                    "constraint_violation");
    case LDAP_SIZELIMIT_EXCEEDED:
    case LDAP_ADMINLIMIT_EXCEEDED:
      return ResourceExhaustedError(Message(operation, what, diagnostic));
    case LDAP_UNWILLING_TO_PERFORM:
      return Status(StatusCode::kFailedPrecondition, Message(operation, what, diagnostic),
                    "unwilling_to_perform");
    case LDAP_FILTER_ERROR:
    case LDAP_INVALID_DN_SYNTAX:
    case LDAP_INVALID_SYNTAX:
    case LDAP_UNDEFINED_TYPE:
    case LDAP_OBJECT_CLASS_VIOLATION:
    case LDAP_PARAM_ERROR:
    case LDAP_PROTOCOL_ERROR:
    case LDAP_NOT_SUPPORTED:
    case LDAP_UNAVAILABLE_CRITICAL_EXTENSION:
      return InvalidArgumentError(Message(operation, what, diagnostic));
    case LDAP_NO_MEMORY:
    case LDAP_LOCAL_ERROR:
    case LDAP_ENCODING_ERROR:
    case LDAP_DECODING_ERROR:
      return InternalError(Message(operation, what, diagnostic));
    default:
      // Any other server-side refusal or local failure: the caller may retry later.
      return UnavailableError(Message(operation, what, diagnostic));
  }
}

}  // namespace sesam::ldap::internal
