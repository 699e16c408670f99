# The operator console's files, in the order they are embedded, and the build
# step that embeds them in alert-relay (host/relay/CMakeLists.txt).
set(ROVER_ALERTS_CONSOLE_FILES
  index.html
  console.css
  console.js
  connection.js
  alert_state.js
  alert_table.js
  alarm.js
  stats_panel.js
  suppression_panel.js
  audit_panel.js
  dom.js
  favicon.svg)

# rover_alerts_embed_console(<output.cpp>): the command that generates
# <output.cpp> (in the build folder, never committed) from the files above.
function(rover_alerts_embed_console output)
  set(files ${ROVER_ALERTS_CONSOLE_FILES})
  list(TRANSFORM files PREPEND "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/")
  # A list cannot cross the command line as it is: its ';' would split it.
  string(REPLACE ";" "|" joined "${files}")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${CMAKE_COMMAND}" "-DOUTPUT=${output}" "-DFILES=${joined}"
            -P "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_files.cmake"
    DEPENDS ${files} "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_files.cmake"
    COMMENT "Embedding the operator console"
    VERBATIM)
endfunction()
