# Install rules and Debian packages: `cpack` in a build folder packages what
# that build is for (packaging/README.md). A cross build (aarch64, armhf)
# makes the rover's packages, the host build the ground station's.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Packages install under /usr whatever CMAKE_INSTALL_PREFIX says.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(_pkg ${PROJECT_BINARY_DIR}/packaging)

if(CMAKE_CROSSCOMPILING)
  install(TARGETS rover_alerts_emitter rover_alerts_link_auth
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT emitter)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/firmware/include/rover_alerts
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT emitter)
  install(FILES ${PROJECT_BINARY_DIR}/schemas/generated/rover_alerts/link_generated.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/rover_alerts COMPONENT emitter)
  set(_saved_prefix ${CMAKE_INSTALL_PREFIX})
  set(CMAKE_INSTALL_PREFIX ${CPACK_PACKAGING_INSTALL_PREFIX})
  configure_file(${PROJECT_SOURCE_DIR}/packaging/emitter/rover_alerts.pc.in ${_pkg}/rover_alerts.pc @ONLY)
  set(CMAKE_INSTALL_PREFIX ${_saved_prefix})
  configure_package_config_file(${PROJECT_SOURCE_DIR}/packaging/emitter/rover_alertsConfig.cmake.in
                                ${_pkg}/rover_alertsConfig.cmake
                                INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rover_alerts)
  write_basic_package_version_file(${_pkg}/rover_alertsConfigVersion.cmake COMPATIBILITY SameMinorVersion)
  install(FILES ${_pkg}/rover_alerts.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT emitter)
  install(FILES ${_pkg}/rover_alertsConfig.cmake ${_pkg}/rover_alertsConfigVersion.cmake
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rover_alerts COMPONENT emitter)
  install(TARGETS rover-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT sim)
  set(CPACK_COMPONENTS_ALL emitter sim)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${ROVER_ALERTS_DEB_ARCH})
elseif(ROVER_ALERTS_BUILD_HOST)
  install(TARGETS alert-relay alertctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT relay)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/relay/rover-alerts-relay.service
          DESTINATION lib/systemd/system COMPONENT relay)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/relay/relay.conf DESTINATION /etc/rover-alerts COMPONENT relay)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/README.md
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/rover-alerts-relay COMPONENT relay)
  set(CPACK_COMPONENTS_ALL relay)
  set(CPACK_DEBIAN_RELAY_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_RELAY_PACKAGE_DEPENDS adduser)
  set(CPACK_DEBIAN_RELAY_PACKAGE_CONTROL_EXTRA
      ${PROJECT_SOURCE_DIR}/packaging/relay/postinst ${PROJECT_SOURCE_DIR}/packaging/relay/prerm
      ${PROJECT_SOURCE_DIR}/packaging/relay/postrm ${PROJECT_SOURCE_DIR}/packaging/relay/conffiles)
  set(CPACK_DEBIAN_RELAY_PACKAGE_CONTROL_STRICT_PERMISSION ON)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_PACKAGE_NAME rover-alerts)
set(CPACK_PACKAGE_VENDOR rover-alerts)
set(CPACK_PACKAGE_CONTACT "rover-alerts maintainers <maintainers@rover-alerts.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Rover alerts: emitter, relay and tools")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_RELAY_PACKAGE_NAME rover-alerts-relay)
set(CPACK_COMPONENT_RELAY_DESCRIPTION "rover-alerts relay: rover links in, the alert store, operator screens out")
set(CPACK_DEBIAN_EMITTER_PACKAGE_NAME librover-alerts-dev)
set(CPACK_COMPONENT_EMITTER_DESCRIPTION "rover-alerts emitter library for a rover's control loop (static, headers, CMake and pkg-config)")
set(CPACK_DEBIAN_EMITTER_PACKAGE_DEPENDS "liblz4-dev, libssl-dev, libflatbuffers-dev")
set(CPACK_DEBIAN_SIM_PACKAGE_NAME rover-sim)
set(CPACK_COMPONENT_SIM_DESCRIPTION "rover-alerts simulated rover")
set(CPACK_DEBIAN_SIM_PACKAGE_DEPENDS "liblz4-1, libssl3, libstdc++6")
set(CPACK_PACKAGE_FILE_NAME rover-alerts)
include(CPack)
