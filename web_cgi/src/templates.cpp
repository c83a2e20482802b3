#include "sesam/web/templates.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sesam::web {
namespace {

constexpr std::string_view kPartials[] = {"header", "footer"};
constexpr std::string_view kSuffix = ".mustache";
constexpr std::string_view kRequired[] = {"header", "footer", "forgot", "sent", "otp",
                                          "link_invalid", "done", "error", "mail_text",
                                          "mail_html"};

}  // namespace

Result<Templates> Templates::Load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  Templates templates;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string file = entry.path().filename().string();
    if (file.size() <= kSuffix.size() || !file.ends_with(kSuffix)) continue;
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return NotFoundError("cannot read template " + entry.path().string());
    const std::string name = file.substr(0, file.size() - kSuffix.size());
    kainjow::mustache::mustache parsed(text.str());
    if (!parsed.is_valid()) {
      return InvalidArgumentError("template " + entry.path().string() + ": " +
                                  parsed.error_message());
    }
    templates.sources_.emplace(name, text.str());
  }
  if (error) return NotFoundError("cannot read template folder " + dir + ": " + error.message());
  for (const auto name : kRequired) {
    if (!templates.sources_.contains(name)) {
      return NotFoundError("template " + std::string(name) + ".mustache missing in " + dir);
    }
  }
  return templates;
}

Result<std::string> Templates::Render(std::string_view name, const TemplateData& data,
                                      Escape escape) const {
  const auto found = sources_.find(name);
  if (found == sources_.end()) return NotFoundError("no template " + std::string(name));
  TemplateData context = data;
  // Only the frame is a partial: page names ("error", ...) would shadow data keys.
  for (const std::string_view partial_name : kPartials) {
    const std::string* text = &sources_.find(partial_name)->second;
    context.set(std::string(partial_name), kainjow::mustache::partial([text] { return *text; }));
  }
  kainjow::mustache::mustache tmpl(found->second);
  if (escape == Escape::kNone) tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tmpl.render(context);
  if (!tmpl.is_valid()) {
    return InternalError("template " + std::string(name) + ": " + tmpl.error_message());
  }
  return out;
}

}  // namespace sesam::web
