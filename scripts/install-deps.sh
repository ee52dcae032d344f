#!/usr/bin/env bash
# Installs the Debian packages ebcm needs to build, run and test, only those missing.
# Idempotent and quick when everything is there. Not root: prints the apt-get line and stops.
set -euo pipefail

packages=(
  g++ clang cmake ninja-build ccache pkg-config make python3 time
  libyaml-cpp-dev libcli11-dev libfmt-dev libspdlog-dev
  libsqlite3-dev sqlite3 libsodium-dev postgresql
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev openssl
  wrk nginx-light tzdata
  libgtest-dev libgmock-dev libbenchmark-dev scram
  python3-yaml  # PyYAML: tests/functional/test_yaml_export.py reads exports with another reader
  prometheus  # for promtool, which checks /metrics in tests/functional/test_serve_ops.py
  nodejs chromium default-jre-headless  # tests/web: a browser, axe-core, the Nu HTML checker
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Debian's nodejs comes without npm (its own package); a nodejs built elsewhere may bring it.
command -v npm >/dev/null || missing+=(npm)
# tests/web's npm packages (playwright-core, axe-core, vnu-jar), exactly as locked, through npm's
# cache; skipped when node_modules already matches the lock. No install scripts: vnu-jar's would
# fetch a Java runtime, and Debian's is used instead.
web_deps() {
  local web
  web="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/web" && pwd)"
  # The lock it was installed from is kept beside the packages.
  cmp -s "$web/package-lock.json" "$web/node_modules/.ebcm-installed-lock" && return 0
  (cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
  cp "$web/package-lock.json" "$web/node_modules/.ebcm-installed-lock"
}

if [[ ${#missing[@]} -eq 0 ]]; then
  web_deps
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "ebcm needs these Debian packages, which are not installed:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists; an old list may name versions that are gone.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
web_deps
