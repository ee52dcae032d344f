#!/usr/bin/env bash
# Installs the Debian packages ebcm needs to build, run and test, only those missing.
# Idempotent and quick when everything is there. Not root: prints the apt-get line and stops.
set -euo pipefail

packages=(
  g++ clang cmake ninja-build ccache pkg-config make python3 time
  libyaml-cpp-dev libcli11-dev libfmt-dev libspdlog-dev
  libsqlite3-dev sqlite3 libsodium-dev postgresql
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev openssl
  libcurl4-openssl-dev ca-certificates  # outbound HTTPS to provider health feeds (health/)
  wrk nginx-light tzdata
  libgtest-dev libgmock-dev libbenchmark-dev scram
  python3-aiosmtpd  # a real SMTP server on loopback for the email tests (tests/notify)
  postfix  # smtp-sink and smtp-source for bench/notify_100k.sh (configured "No configuration":
  # no mail system is set up or started)
  python3-yaml  # PyYAML: tests/functional/test_yaml_export.py reads exports with another reader
  prometheus  # for promtool, which checks /metrics in tests/functional/test_serve_ops.py
  nodejs chromium default-jre-headless  # tests/web: a browser, axe-core, the Nu HTML checker;
  # tests/openapi: node runs the Redocly CLI and ajv
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Debian's nodejs comes without npm (its own package); a nodejs built elsewhere may bring it.
command -v npm >/dev/null || missing+=(npm)
# The npm packages of tests/web (playwright-core, axe-core, vnu-jar) and tests/openapi
# (@redocly/cli, ajv, ajv-formats), exactly as locked, through npm's cache; a folder is skipped
# when its node_modules already matches its lock. No install scripts: vnu-jar's would fetch a
# Java runtime, and Debian's is used instead.
npm_deps() {
  local root dir
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  for dir in "$root/tests/web" "$root/tests/openapi"; do
    # The lock it was installed from is kept beside the packages.
    cmp -s "$dir/package-lock.json" "$dir/node_modules/.ebcm-installed-lock" && continue
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.ebcm-installed-lock"
  done
}

if [[ ${#missing[@]} -eq 0 ]]; then
  npm_deps
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "ebcm needs these Debian packages, which are not installed:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# postfix is wanted for its test tools only: no mail system configured, none started.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# A fresh machine has no package lists; an old list may name versions that are gone.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
npm_deps
