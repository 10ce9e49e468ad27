# Writes OUTPUT, a header defining MXSIM_GIT_REVISION (for `mxsim --version`),
# from `git describe` of SOURCE_DIR; "unknown" outside a git clone. Run at
# every build; the header is rewritten only when the revision changed, so an
# unchanged revision recompiles nothing.
execute_process(
  COMMAND git --no-optional-locks -C "${SOURCE_DIR}" describe --always --dirty --abbrev=12
  OUTPUT_VARIABLE revision
  RESULT_VARIABLE status
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT status EQUAL 0 OR revision STREQUAL "")
  set(revision "unknown")
endif()
file(WRITE "${OUTPUT}.new" "// Written by packaging/git-revision.cmake at build time.\n#define MXSIM_GIT_REVISION \"${revision}\"\n")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
