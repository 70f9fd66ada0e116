#!/bin/sh
# Install Debian's headless browser for tests/test_browser.py: chromium and chromium-driver. Idempotent.
set -eu
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "browser: /usr/bin/chromium and /usr/bin/chromedriver already installed, nothing to do"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "browser: installing chromium and chromium-driver with apt-get${SUDO:+ (through sudo)}"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
echo "browser: installed $(/usr/bin/chromedriver --version)"
