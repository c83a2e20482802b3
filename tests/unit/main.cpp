// SPDX-License-Identifier: Apache-2.0
// The CppUTest runner shared by every unit test executable.
#include <CppUTest/CommandLineTestRunner.h>
#include <CppUTest/MemoryLeakWarningPlugin.h>

int main(int argc, char** argv) {
  // Leaks are found by the sanitizer build and valgrind; CppUTest's own
  // new/delete overloads would clash with both.
  MemoryLeakWarningPlugin::turnOffNewDeleteOverloads();
  return CommandLineTestRunner::RunAllTests(argc, argv);
}
