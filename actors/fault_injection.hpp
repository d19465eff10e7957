// Test-only fault injection, the counterpart of the crash points
// (persistence/crash_points.hpp) for faults the process survives. If the
// environment variable DOWNHILL_FAULT_AT names a fault, that fault happens
// once, the first time the code gets there; never again in that process.
// Unset (always, in production), a check costs one cached comparison.
//
// Faults (the names are the contract with tests/server/actor_faults_test.cpp):
//   writer-commit  the control-plane writer answers the durable commit of a
//                  run's switch with an error, without touching the database
//   org-quit       an organization's actor stops, right after it has started
//                  a run (the run is copying)
#pragma once

namespace downhill {

/// True exactly once per process if DOWNHILL_FAULT_AT equals `name`.
bool inject_fault(const char* name);

} // namespace downhill
