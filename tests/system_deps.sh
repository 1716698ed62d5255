#!/usr/bin/env bash
# The Debian packages the tests use, installed when missing (make deps, called by make test):
#   chromium (renders the HTML report headless), systemd (systemd-analyze checks the unit files),
#   util-linux (flock and unshare for the schedule and robustness tests).
# As root: apt-get; with passwordless sudo: sudo apt-get; otherwise one line naming what to install.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v systemd-analyze >/dev/null || need+=(systemd)
{ command -v flock >/dev/null && command -v unshare >/dev/null; } || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo)
else
    echo "make test needs the Debian packages: ${need[*]}; install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "make test needs: ${need[*]} (no apt-get here: install them with your package manager)" >&2
    exit 1
fi
echo "installing the Debian packages the tests use: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
