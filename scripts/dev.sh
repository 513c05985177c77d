#!/usr/bin/env bash
# dev.sh serve|test|build — install what is missing (Debian, as root), build, then serve or test.
#   serve: start spoke-server on the embedded default (SQLite + blobs under ./data)
#   test:  run the whole test suite (meson test) and print "N passed, N failed"
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-build}
shift || true

packages=(g++ meson ninja-build pkg-config cmake git ca-certificates
  libprotobuf-dev libprotoc-dev protobuf-compiler
  libsqlitecpp-dev libsqlite3-dev libcpp-httplib-dev libcli11-dev libfmt-dev
  nlohmann-json3-dev doctest-dev libssl-dev zlib1g-dev libyaml-cpp-dev libarchive-dev libgoogle-perftools-dev curl python3
  libpqxx-dev libhiredis-dev
  protoc-gen-go protoc-gen-go-grpc protobuf-compiler-grpc)
# Go's and gRPC's plugins serve the README's `spoke compile -languages go,...` (and the tests
# compare generated code with protoc's through them). The tests also fetch the googleapis corpus
# with npm.
# The PostgreSQL suites start real servers (initdb, pg_ctl, pg_basebackup, pg_dump) as the
# `postgres` user the package creates.
# The observability suites check /metrics and the alert rules with promtool (prometheus), share
# rate limits through a real redis-server, and make TLS certificates with openssl.
if [ "$mode" = test ]; then
  packages+=(postgresql prometheus redis-server openssl)
  # Debian's npm, unless one is installed already (e.g. with a nodejs that bundles it).
  command -v npm >/dev/null || packages+=(npm)
fi

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build() {
  if [ ! -f build/build.ninja ]; then
    meson setup build --buildtype=release -Dwerror=true -Dpostgres=enabled -Dredis=enabled
  fi
  ninja -C build
}

install_missing
build
case "$mode" in
  build) ;;
  serve)
    exec ./build/server/spoke-server "$@" ;;
  test)
    status=0
    meson test -C build --print-errorlogs --num-processes 2 "$@" || status=$?
    python3 scripts/test_summary.py build/meson-logs/testlog.json || status=1
    exit $status ;;
  *) echo "usage: scripts/dev.sh serve|test|build [args...]" >&2; exit 2 ;;
esac
