# Sanitizer and fuzzing builds (docs/testing.md):
#   -DDOWNHILL_SANITIZE=address  ASan + UBSan (g++ or clang)
#   -DDOWNHILL_SANITIZE=thread   TSan
#   -DDOWNHILL_FUZZ=ON           clang only: ASan + UBSan + libFuzzer coverage
#                                on every target, and the libFuzzer targets of
#                                tests/fuzz
# The flags apply to every target of the project, so the server binary that
# the server tests start is instrumented too.
set(DOWNHILL_SANITIZE "" CACHE STRING
    "Sanitizers to build with: empty, 'address' (ASan+UBSan) or 'thread' (TSan)")
set_property(CACHE DOWNHILL_SANITIZE PROPERTY STRINGS "" address thread)
option(DOWNHILL_FUZZ "Build the libFuzzer targets (needs clang++)" OFF)
# UBSan check kinds left recoverable, so that tests/sanitizers/ubsan.supp can
# suppress them: UBSan consults its suppressions only in the handlers of
# recoverable checks (an "_abort" handler dies even for a suppressed report).
# UBSAN_OPTIONS=halt_on_error=1 below keeps every unsuppressed report of
# these kinds fatal, like all other kinds.
set(DOWNHILL_UBSAN_RECOVERABLE "null" CACHE STRING
    "UBSan checks left recoverable so tests/sanitizers/ubsan.supp can suppress them")

if(DOWNHILL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "DOWNHILL_FUZZ needs clang: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(DOWNHILL_SANITIZE AND NOT DOWNHILL_SANITIZE STREQUAL "address")
    message(FATAL_ERROR "DOWNHILL_FUZZ builds with ASan+UBSan, not ${DOWNHILL_SANITIZE}")
  endif()
  set(DOWNHILL_SANITIZE address CACHE STRING "" FORCE)
endif()

# Where every instrumented process of a test (the test binary and the
# servers it starts) writes its reports; tests/CMakeLists.txt fails the ctest
# run when a file appears there, because a report inside a child server does
# not always make the test that started it fail on its own.
set(DOWNHILL_SANITIZER_LOG_DIR ${CMAKE_BINARY_DIR}/sanitizer-logs)
set(_supp ${PROJECT_SOURCE_DIR}/tests/sanitizers)

# The runtime options, as ENVIRONMENT lists for tests: DOWNHILL_SANITIZER_ENV
# logs to DOWNHILL_SANITIZER_LOG_DIR, DOWNHILL_SANITIZER_ENV_STDERR to stderr
# (for single-process tests, whose failure output then shows the report).
set(DOWNHILL_SANITIZER_ENV "")
set(DOWNHILL_SANITIZER_ENV_STDERR "")
if(DOWNHILL_SANITIZE STREQUAL "address")
  set(_flags -fsanitize=address,undefined -fno-omit-frame-pointer
             -fno-sanitize-recover=undefined)
  if(DOWNHILL_UBSAN_RECOVERABLE)
    list(APPEND _flags -fsanitize-recover=${DOWNHILL_UBSAN_RECOVERABLE})
  endif()
  # exitcode: a distinct status, so a server killed by a report is told
  # apart from one killed by a signal or a crash point.
  set(_options
    "ASAN_OPTIONS=halt_on_error=1:exitcode=86:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
    "UBSAN_OPTIONS=halt_on_error=1:exitcode=87:print_stacktrace=1:report_error_type=1:suppressions=${_supp}/ubsan.supp"
    "LSAN_OPTIONS=suppressions=${_supp}/lsan.supp")
  
elseif(DOWNHILL_SANITIZE STREQUAL "thread")
  set(_flags -fsanitize=thread -fno-omit-frame-pointer)
  set(_options
    "TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=${_supp}/tsan.supp")
  
elseif(NOT DOWNHILL_SANITIZE STREQUAL "")
  message(FATAL_ERROR "DOWNHILL_SANITIZE must be empty, 'address' or 'thread', "
                      "not '${DOWNHILL_SANITIZE}'")
endif()
if(DOWNHILL_SANITIZE)
  if(DOWNHILL_FUZZ)
    # Coverage for libFuzzer in every library; the fuzz targets add
    # -fsanitize=fuzzer (libFuzzer's main) when they link.
    list(APPEND _flags -fsanitize=fuzzer-no-link)
  endif()
  add_compile_options(${_flags})
  add_link_options(${_flags})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC's -Wmaybe-uninitialized misfires under sanitizer instrumentation
    # (GCC's manual says so for -fsanitize=address; here in <regex>).
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
  set(DOWNHILL_SANITIZER_ENV_STDERR ${_options})
  foreach(option IN LISTS _options)
    string(REGEX MATCH "^([A-Z]+)_OPTIONS" _ "${option}")
    string(TOLOWER "${CMAKE_MATCH_1}" tool)
    list(APPEND DOWNHILL_SANITIZER_ENV
         "${option}:log_path=${DOWNHILL_SANITIZER_LOG_DIR}/${tool}")
  endforeach()
  message(STATUS "sanitizers: ${DOWNHILL_SANITIZE}; test reports go to ${DOWNHILL_SANITIZER_LOG_DIR}")
endif()
