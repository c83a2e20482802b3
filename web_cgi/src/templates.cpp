// SPDX-License-Identifier: Apache-2.0
#include "sesam/web/templates.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace sesam::web {
namespace {

constexpr std::string_view kPartials[] = {"header", "footer", "password_fields"};
constexpr std::string_view kSuffix = ".mustache";
constexpr std::string_view kRequired[] = {
    "header",      "footer",      "languages", "forgot",         "sent",      "otp",
    "rules",       "done",        "error",     "link_invalid",   "mail_text", "mail_html",
    "notice_text", "notice_html", "change",    "password_fields"};

}  // namespace

Result<Templates> Templates::Load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  static std::atomic<std::uint64_t> next_id{1};
  Templates templates;
  templates.id_ = next_id++;
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
  // The frame is pasted into each page once, here, instead of at every render.
  for (auto& [name, source] : templates.sources_) {
    for (const std::string_view partial : kPartials) {
      const std::string tag = "{{>" + std::string(partial) + "}}";
      for (auto at = source.find(tag); at != std::string::npos; at = source.find(tag, at)) {
        const std::string& text = templates.sources_.at(std::string(partial));
        source.replace(at, tag.size(), text);
        at += text.size();
      }
    }
  }
  return templates;
}

Result<std::string> Templates::Render(std::string_view name, const TemplateData& data,
                                      Escape escape) const {
  const auto found = sources_.find(name);
  if (found == sources_.end()) return NotFoundError("no template " + std::string(name));
  // Parsing is most of a render's cost, and a parsed template is not safe to
  // share between threads (render keeps state): one parsed copy per thread.
  struct Parsed {
    std::uint64_t owner;
    std::string key;
    std::unique_ptr<kainjow::mustache::mustache> tmpl;
  };
  thread_local std::vector<Parsed> cache;
  const std::string key = std::string(name) + (escape == Escape::kNone ? "/text" : "/html");
  kainjow::mustache::mustache* tmpl = nullptr;
  for (auto& entry : cache) {
    if (entry.owner == id_ && entry.key == key) tmpl = entry.tmpl.get();
  }
  if (tmpl == nullptr) {
    auto parsed = std::make_unique<kainjow::mustache::mustache>(found->second);
    if (escape == Escape::kNone) parsed->set_custom_escape([](const std::string& s) { return s; });
    tmpl = parsed.get();
    cache.push_back({id_, key, std::move(parsed)});
  }
  std::string out = tmpl->render(data);
  if (!tmpl->is_valid()) {
    return InternalError("template " + std::string(name) + ": " + tmpl->error_message());
  }
  return out;
}

}  // namespace sesam::web
