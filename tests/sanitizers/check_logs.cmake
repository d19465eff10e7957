# Fails (and prints them) when any sanitizer report was written to DIR.
# Every instrumented process, including the `downhill serve` children of the
# server tests, writes its reports there (log_path in the *SAN_OPTIONS that
# tests/CMakeLists.txt gives each test), so a report in a child server fails
# the run even when the test that started it did not notice the crash.
file(GLOB reports "${DIR}/*")
if(reports)
  foreach(report IN LISTS reports)
    file(READ "${report}" text)
    message("==== ${report}\n${text}")
  endforeach()
  list(LENGTH reports count)
  message(FATAL_ERROR "${count} sanitizer report(s) in ${DIR}")
endif()
message(STATUS "no sanitizer report in ${DIR}")
