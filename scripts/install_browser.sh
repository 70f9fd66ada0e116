#!/bin/sh
# Install Debian's headless browser for tests/test_browser.py: chromium and chromium-driver. Idempotent:
# nothing is installed (and no root is needed) when both programs are already on PATH.
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "browser: $(command -v chromium) and $(command -v chromedriver) found, nothing to install"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "browser: installing chromium and chromium-driver with apt-get${SUDO:+ (through sudo)}"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
echo "browser: installed $(chromedriver --version)"
