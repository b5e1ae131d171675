# Build conventions shared by every module (see ../shared/STYLE.md section 8).

add_library(weft_warnings INTERFACE)
add_library(weft::warnings ALIAS weft_warnings)
target_compile_options(weft_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                               -Wold-style-cast -Wcast-align)
if(WEFT_WERROR)
  target_compile_options(weft_warnings INTERFACE -Werror)
endif()

if(WEFT_SANITIZE AND WEFT_SANITIZE_THREAD)
  message(FATAL_ERROR "WEFT_SANITIZE and WEFT_SANITIZE_THREAD cannot be combined")
endif()
if(WEFT_SANITIZE_THREAD)
  # Asio's fences are fine under TSan; GCC warns that it cannot model them.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()
if(WEFT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# weft_add_library(NAME SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# Creates weft_<name> with the alias weft::<name>; its folder's parent is the
# include root, so headers are included as "<module>/<file>.h".
function(weft_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(weft_${name} STATIC ${ARG_SOURCES})
  add_library(weft::${name} ALIAS weft_${name})
  target_include_directories(weft_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(weft_${name} PUBLIC ${ARG_DEPS} PRIVATE weft::warnings ${ARG_PRIVATE_DEPS})
endfunction()

# weft_add_test(NAME SOURCES ... DEPS ... [LABELS ...] [SERIAL])
# SERIAL: ctest runs each of its tests alone (RUN_SERIAL), for tests that
# measure a process's memory and CPU, which tests beside them would disturb.
function(weft_add_test name)
  if(NOT WEFT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "SERIAL" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main weft::warnings)
  set(run_serial FALSE)
  if(ARG_SERIAL)
    set(run_serial TRUE)
  endif()
  gtest_discover_tests(${name}
    PROPERTIES LABELS "${ARG_LABELS}"
               ENVIRONMENT "WEFT_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
               RUN_SERIAL ${run_serial}
    DISCOVERY_TIMEOUT 60)
endfunction()
