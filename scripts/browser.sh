#!/usr/bin/env bash
# Idempotent: make sure Debian's chromium is installed at /usr/bin/chromium, for the browser test
# (tests/ui/test_browser.py drives it through Playwright, which cannot download its own browser
# here). Needs root, as on CI and dev boxes; when chromium is already there it does nothing.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  echo "[browser] installing chromium (log: /tmp/trajforge-chromium-install.log)"
  log=/tmp/trajforge-chromium-install.log
  { as_root apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get install -y -qq chromium; } >"$log" 2>&1 ||
    { echo "[browser] apt-get install chromium failed:"; tail -20 "$log"; exit 1; }
fi
/usr/bin/chromium --headless --no-sandbox --version >/dev/null 2>&1 ||
  { echo "[browser] /usr/bin/chromium is installed but does not run"; exit 1; }
