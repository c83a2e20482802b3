// SPDX-License-Identifier: Apache-2.0
#include "password_form.h"

#include "sesam/ldap/refusal_text.h"

namespace sesam::web {

policy::Context PolicyContext(const ldap::Account& account) {
  policy::Context context;
  context.username = account.username;
  if (!account.given_name.empty()) context.names.push_back(account.given_name);
  if (!account.surname.empty()) context.names.push_back(account.surname);
  return context;
}

// An optional class (the classes rule is met without it) shows its word to everyone: a
// grey dash alone would not say that nothing more is needed.
TemplateData MarkData(const PageContext& context, Mark mark) {
  TemplateData data;
  data.set("optional", mark == Mark::kOptional);
  switch (mark) {
    case Mark::kOptional:
      data.set("state", "optional");
      data.set("mark", "\u2013");
      data.set("state_text", context.Tr(N_("optional:")));
      break;
    case Mark::kOk:
      data.set("state", "ok");
      data.set("mark", "\u2713");
      data.set("state_text", context.Tr(N_("done:")));
      break;
    case Mark::kFail:
      data.set("state", "fail");
      data.set("mark", "\u2717");
      data.set("state_text", context.Tr(N_("not yet:")));
      break;
    case Mark::kTodo:
      data.set("state", "todo");
      data.set("mark", "\u25CB");
      data.set("state_text", context.Tr(N_("to check:")));
      break;
  }
  return data;
}

TemplateData RuleList(const PageContext& context, const policy::Verdict& verdict, bool judged) {
  std::vector<TemplateData> rules;
  TemplateData classes{TemplateData::type::list};
  // Once "at least N of the 4 classes" is met, a missing class is optional,
  // not "not yet" (Welkom123 has 3 of 4 and failed on the blocklist alone).
  bool classes_met = false;
  for (const auto& rule : verdict.rules) {
    if (rule.id == "classes") classes_met = judged && rule.passed;
  }
  for (const auto& rule : verdict.rules) {
    if (rule.id == "utf8" || rule.id == "control") continue;  // no check mark for these
    const Mark mark = !judged                             ? Mark::kTodo
                      : rule.passed                       ? Mark::kOk
                      : rule.informational && classes_met ? Mark::kOptional
                                                          : Mark::kFail;
    TemplateData entry = MarkData(context, mark);
    entry.set("id", rule.id);
    entry.set("message", rule.message);
    if (rule.informational) {
      // The script switches a class between "not yet" and "optional" itself.
      entry.set("t_optional", context.Tr(N_("optional:")));
      classes.push_back(entry);
    } else {
      rules.push_back(entry);
    }
  }
  TemplateData out{TemplateData::type::list};
  for (auto& entry : rules) {
    const TemplateData* id = entry.get("id");
    if (id && id->string_value() == "classes" && !classes.list_value().empty()) {
      entry.set("has_children", true);
      entry.set("children", classes);
    }
    out.push_back(entry);
  }
  TemplateData list;
  list.set("rules", out);
  return list;
}

std::string_view PpolicyText(const PageContext& context, const std::string& reason) {
  return context.catalog->Translate(ldap::RefusalText(reason, ldap::RefusalAudience::kVisitor));
}

std::string FailedRules(const policy::Verdict& verdict, bool repeated) {
  std::string failed;
  for (const auto& rule : verdict.rules) {
    if (!rule.passed && !rule.informational) failed += (failed.empty() ? "" : ",") + rule.id;
  }
  if (!repeated) failed += failed.empty() ? "match" : ",match";
  return failed;
}

void App::Impl::PasswordFields(const PageContext& context, TemplateData& data,
                               const policy::Context& names, const policy::Verdict* verdict,
                               std::optional<bool> repeated) const {
  data.set("t_password", context.Tr(N_("New password")));
  data.set("t_password2", context.Tr(N_("Repeat the new password")));
  data.set("t_rules", context.Tr(N_("Your new password needs:")));
  if (verdict != nullptr) {
    data.set("rules_html", Fragment("rules", RuleList(context, *verdict, true)));
  } else {
    // Before anything is typed every mark is open, and the list depends only
    // on the language and on which rules apply to these names (a username
    // or names rule appears only for long enough names): render it once.
    const policy::Verdict empty = deps_.policy->Check("", names, *context.catalog);
    std::string key = "rules/" + context.language;
    for (const auto& rule : empty.rules) key += "/" + rule.id;
    data.set("rules_html", fragments_.Get(key, [&] {
      return Fragment("rules", RuleList(context, empty, false));
    }));
  }
  data.set("match_message", context.Tr(N_("Both entries are the same")));
  data.set("match", MarkData(context, !repeated   ? Mark::kTodo
                                      : *repeated ? Mark::kOk
                                                  : Mark::kFail));
  data.set("t_ok", context.Tr(N_("done:")));
  data.set("t_fail", context.Tr(N_("not yet:")));
  data.set("t_todo", context.Tr(N_("to check:")));
  data.set("policy_url", base_path_ + "/policy.json" + context.lang_query);
  data.set("script", true);
}

}  // namespace sesam::web
