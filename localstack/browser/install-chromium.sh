#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests in localstack/browser, unless
# /usr/bin/chromium is already there (then it returns at once). Needs root and
# Debian's package archive; says plainly what it does and why it fails.
# Usage: localstack/browser/install-chromium.sh
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "chromium: already installed ($CHROMIUM)"
  exit 0
fi

fail() {
  printf 'install-chromium: %s\n' "$*" >&2
  printf 'install-chromium: install it by hand (as root: apt-get update && apt-get install -y --no-install-recommends chromium) so that %s exists\n' "$CHROMIUM" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM is missing and apt-get is not available (not a Debian-based system?)"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    fail "$CHROMIUM is missing and installing it needs root (run this script as root, or with password-less sudo)"
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "chromium: $CHROMIUM is missing; installing Debian's chromium package"
echo "+ apt-get update"
"${SUDO[@]}" apt-get update -qq || fail "apt-get update failed"
echo "+ apt-get install -y --no-install-recommends chromium"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium || fail "apt-get install chromium failed"

[ -x "$CHROMIUM" ] || fail "the chromium package installed, but $CHROMIUM is still missing"
echo "chromium: installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
