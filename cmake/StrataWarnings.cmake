# Warning and sanitizer flags go on strata's own targets only (generated protobuf code and
# third-party headers are not warning-clean).
function(strata_target_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(STRATA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(STRATA_SANITIZE)
  add_compile_options(-fsanitize=${STRATA_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${STRATA_SANITIZE})
  if(STRATA_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
