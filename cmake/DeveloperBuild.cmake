# The developer build's speed-ups (CMakePresets.json "dev", docs/building.md).
# Both are off by default, so a release or CI build is unchanged:
#   -DDOWNHILL_PCH=ON  precompile the third-party headers each target leans on
#                      (CAF, Beast, nlohmann/json, Catch2), never our own: a
#                      touched project header must not rebuild a PCH
#   -DDOWNHILL_LLD=ON  link with lld (Debian's lld), several times faster than
#                      ld.bfd on the CAF-heavy executables
option(DOWNHILL_PCH "Precompile third-party headers" OFF)
option(DOWNHILL_LLD "Link with lld" OFF)

if(DOWNHILL_LLD)
  add_link_options(-fuse-ld=lld)
endif()

# downhill_precompile(<target> <header>...): the headers, precompiled for
# <target> when DOWNHILL_PCH is on; nothing otherwise.
function(downhill_precompile target)
  if(DOWNHILL_PCH)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()
