// SPDX-License-Identifier: Apache-2.0
#include "sesam/policy.h"

#include <nlohmann/json.hpp>

#include "engine.h"
#include "messages.h"

namespace sesam::policy {

Result<Policy> Policy::Create(const config::PolicySection& settings) {
  SESAM_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Build(settings));
  return Policy(std::move(engine));
}

Policy::Policy(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}
Policy::Policy(Policy&&) noexcept = default;
Policy& Policy::operator=(Policy&&) noexcept = default;
Policy::~Policy() = default;

Verdict Policy::Check(std::string_view password, const Context& context,
                      const i18n::Catalog& catalog) const {
  return engine_->Check(password, context, catalog);
}

const config::PolicySection& Policy::settings() const { return engine_->settings(); }

const std::vector<std::string>& Policy::warnings() const { return engine_->warnings(); }

std::string Policy::BrowserRulesJson(const i18n::Catalog& catalog) const {
  const config::PolicySection& s = settings();
  const auto text = [&catalog](const char* msgid, std::string_view name, unsigned value) {
    const std::string number = std::to_string(value);
    return i18n::Format(catalog.Translate(msgid), {{name, number}});
  };
  nlohmann::json messages = {
      {"min_length", text(internal::kMsgMinLength, "min", s.min_length)},
      {"max_length", text(internal::kMsgMaxLength, "max", s.max_length)},
      {"classes", text(internal::kMsgClasses, "min", s.min_classes)},
      {"class_lower", catalog.Translate(internal::kMsgClassLower)},
      {"class_upper", catalog.Translate(internal::kMsgClassUpper)},
      {"class_digit", catalog.Translate(internal::kMsgClassDigit)},
      {"class_other", catalog.Translate(internal::kMsgClassOther)},
      {"max_repeat", text(internal::kMsgMaxRepeat, "max", s.max_repeat)},
      {"username", catalog.Translate(internal::kMsgUsername)},
      {"match", catalog.Translate(internal::kMsgMatch)},
  };
  const nlohmann::json rules = {
      {"min_length", s.min_length},           {"max_length", s.max_length},
      {"min_classes", s.min_classes},         {"max_repeat", s.max_repeat},
      {"reject_username", s.reject_username}, {"username_min_length", kUsernameMinLength},
      {"messages", std::move(messages)},
  };
  return rules.dump();
}

}  // namespace sesam::policy
