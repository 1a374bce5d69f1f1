# Cross-compiles for Linux on AArch64 from an x86-64 Debian/Ubuntu host with the distribution's
# cross toolchain (apt-get install g++-aarch64-linux-gnu), e.g. for the linux-arm64 prebuild:
#   npx cmake-js compile --arch arm64 --out build/arm64 \
#     --CDCMAKE_TOOLCHAIN_FILE=$PWD/cmake/aarch64-linux-gnu.cmake
# CMAKE_SYSTEM_PROCESSOR is what CMakeLists.txt tests to pick the NEON kernel unit.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Headers and libraries come from the target's sysroot only; build tools run on the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
