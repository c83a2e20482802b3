// SPDX-License-Identifier: Apache-2.0
// [web] state_dir: the default the packaged unit's StateDirectory= creates,
// and only absolute paths.

#include "sesam/config.h"
#include "state_test_util.h"

namespace config = sesam::config;

TEST_GROUP(StateDirConfig){};

TEST(StateDirConfig, DefaultsToVarLibSesam) {
  STRCMP_EQUAL("/var/lib/sesam", config::DefaultConfig().web.state_dir.c_str());
}

TEST(StateDirConfig, TakesAnAbsolutePathAndRefusesARelativeOne) {
  state_test::TempDir dir;
  const std::string file = dir.File("sesam.conf");
  state_test::WriteFile(file, "[web]\nstate_dir = /srv/sesam/state\n");
  auto loaded = config::Load(file, config::FileChecks::kNo);
  CHECK_OK(loaded.status());
  STRCMP_EQUAL("/srv/sesam/state", loaded->web.state_dir.c_str());

  state_test::WriteFile(file, "[web]\nstate_dir = state\n");
  const config::LoadReport report = config::LoadFile(file, config::FileChecks::kNo);
  CHECK_FALSE(report.ok());
  LONGS_EQUAL(1, report.diagnostics.size());
  STRCMP_EQUAL("state_dir", report.diagnostics[0].key.c_str());
  STRCMP_CONTAINS("absolute", report.diagnostics[0].message.c_str());
}
