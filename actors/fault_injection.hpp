// Test-only fault injection, the counterpart of the crash points
// (persistence/crash_points.hpp) for faults the process survives. If the
// environment variable DOWNHILL_FAULT_AT names a fault (or several, comma
// separated), that fault happens once, the first time the code gets there;
// never again in that process. Unset (always, in production), a check
// costs one cached test.
//
// Faults (the names are the contract with tests/server/actor_faults_test.cpp
// and tests/actors_failure_values_tests.cpp):
//   writer-commit  the control-plane writer answers the durable commit of a
//                  run's switch with an error, without touching the database
//   org-quit       an organization's actor stops, right after it has started
//                  a run (the run is copying)
//   org-quit-kill-run
//                  the same, and the run's actor is killed with it (its
//                  successor finds a dead run actor with files on disk)
//   slow-removal   the removal of a dead run's files starts 1.5 s late
//   release-throw  an organization's actor throws (and stops) while it
//                  releases a run whose switch it has just committed
//   job-insert     the control-plane writer fails to store a recurring job
//   firing-insert  the control-plane writer fails to store the run of a
//                  scheduled firing
//   slow-end-commit
//                  the control-plane writer commits the end of a run (its
//                  switch, or its failure) 5 s late, blocking meanwhile
#pragma once

namespace downhill {

/// True exactly once per process if DOWNHILL_FAULT_AT names `name`.
bool inject_fault(const char* name);

} // namespace downhill
