# Install rules shared by every program: the MooseFS file tree.
#
#   daemons        ${prefix}/sbin            (mfsmaster, mfschunkserver, ...)
#   client, tools  ${prefix}/bin             (mfsmount, mfstools and its mfs* links)
#   config samples /etc/mfs/NAME.sample      (the package makes the real conffiles)
#   man pages      ${prefix}/share/man/manN
#   data           /var/lib/mfs              (owned by the mfs user: the package's job)
#
# /etc and /var follow the prefix given at install time (cmake --install
# --prefix): /etc and /var for the prefix /usr (as Debian and Fedora lay
# out), PREFIX/etc and PREFIX/var otherwise (/usr/local/etc for a default
# install from source).
include(GNUInstallDirs)

# Install-time code that sets _antler_etc and _antler_var for the prefix.
set(ANTLER_INSTALL_DIRS_CODE [[
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(_antler_etc "/etc")
    set(_antler_var "/var")
  else()
    set(_antler_etc "${CMAKE_INSTALL_PREFIX}/etc")
    set(_antler_var "${CMAKE_INSTALL_PREFIX}/var")
  endif()
]])

# antler_install_state_dir(): the data folder DATA_PATH defaults to.
function(antler_install_state_dir)
  install(CODE "${ANTLER_INSTALL_DIRS_CODE}
    file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${_antler_var}/lib/mfs\")")
endfunction()

# antler_install_program(TARGET target [DAEMON] [CONFIGS file...] [MANS page...])
#   DAEMON   installs into sbin (else bin)
#   CONFIGS  config examples, installed as /etc/mfs/<name>.sample
#   MANS     man pages; the section is the file's last suffix (mfsmaster.8)
function(antler_install_program)
  cmake_parse_arguments(ARG "DAEMON" "TARGET" "CONFIGS;MANS" ${ARGN})
  if(NOT ARG_TARGET)
    message(FATAL_ERROR "antler_install_program: TARGET is required")
  endif()
  if(ARG_DAEMON)
    install(TARGETS ${ARG_TARGET} RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
  else()
    install(TARGETS ${ARG_TARGET} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
  foreach(cfg ${ARG_CONFIGS})
    get_filename_component(name ${cfg} NAME)
    get_filename_component(path ${cfg} ABSOLUTE)
    install(CODE "${ANTLER_INSTALL_DIRS_CODE}
      file(INSTALL DESTINATION \"\${_antler_etc}/mfs\" TYPE FILE RENAME ${name}.sample FILES \"${path}\")")
  endforeach()
  foreach(page ${ARG_MANS})
    string(REGEX MATCH "[0-9]$" section ${page})
    if(NOT section)
      message(FATAL_ERROR "antler_install_program: man page ${page} has no section suffix")
    endif()
    install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
endfunction()
