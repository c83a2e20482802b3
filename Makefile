# SPDX-License-Identifier: Apache-2.0
# The two commands of the README. Both work on a fresh Debian 12 machine as root
# (or with sudo): they install what is missing first.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# CI=true turns warnings into errors.
CMAKE_FLAGS ?= $(if $(filter true,$(CI)),-DSESAM_WERROR=ON,)

.PHONY: all deps build test demo clean

all: build

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j$(JOBS)

# The browser tests' and the demo's npm packages (pinned in the lockfile; no
# browser download: the tests drive Debian's chromium). Again when the lockfile changes.
E2E_MODULES = tests/e2e/node_modules/.package-lock.json
$(E2E_MODULES): tests/e2e/package-lock.json tests/e2e/package.json | deps
	cd tests/e2e && npm ci --no-audit --no-fund
	touch $@

test: build $(E2E_MODULES)
	cd $(BUILD_DIR) && ctest --output-on-failure

demo: build $(E2E_MODULES)
	scripts/demo $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
