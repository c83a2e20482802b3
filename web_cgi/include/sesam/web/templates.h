// SPDX-License-Identifier: Apache-2.0
// Page and mail templates (mustache, kainjow's header-only library), read once
// from <datadir>/templates at start-up. Every text in them comes from the code
// through the gettext catalogs; the templates hold structure only.
//
// Partials: {{>header}} and {{>footer}} (header.mustache, footer.mustache),
// pasted into the pages when they are loaded. Fragments (languages.mustache,
// rules.mustache) are rendered on their own and put into a page through a
// {{{..._html}}} slot, so the web app can keep them rendered (FragmentCache).
// Threading: immutable after Load; Render may run on many threads at once (each
// thread keeps its own parsed copy of the templates it rendered).
#pragma once

#include <kainjow/mustache.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "sesam/status.h"

namespace sesam::web {

using TemplateData = kainjow::mustache::data;

enum class Escape { kHtml, kNone };

class Templates {
 public:
  // Reads every "*.mustache" file of `dir`. NotFound when the folder or one of
  // the required templates is missing; InvalidArgument for a syntax error.
  static Result<Templates> Load(const std::string& dir);

  // Renders template `name` (file name without ".mustache"). kNone is for the
  // plain-text mail body, where HTML escaping would garble names.
  Result<std::string> Render(std::string_view name, const TemplateData& data,
                             Escape escape = Escape::kHtml) const;

 private:
  std::map<std::string, std::string, std::less<>> sources_;
  std::uint64_t id_ = 0;  // tells the per-thread caches of two Templates apart
};

}  // namespace sesam::web
