#!/bin/sh
# Make sure a Chromium (or Chrome) is there for the review UI's browser tests.
#
# Prints the path of the browser it found. Playwright never downloads one here
# (no browser can be fetched in CI): the tests drive this system browser.
# As root and with none found, installs Debian's `chromium` package (CI runs
# as root). Otherwise it says plainly that no browser was found; the browser
# tests then fail saying the same. CHROMIUM_PATH, when set, wins.
set -eu

find_browser() {
    if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
        echo "${CHROMIUM_PATH}"
        return 0
    fi
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        if path=$(command -v "$name" 2>/dev/null); then
            echo "$path"
            return 0
        fi
    done
    return 1
}

if browser=$(find_browser); then
    echo "ensure-chromium: using $browser"
    exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no Chromium found; installing Debian's chromium package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    if browser=$(find_browser); then
        echo "ensure-chromium: using $browser"
        exit 0
    fi
fi

echo "ensure-chromium: NO BROWSER FOUND (looked for \$CHROMIUM_PATH, chromium, chromium-browser, google-chrome)." >&2
echo "ensure-chromium: install one (Debian: apt-get install chromium) or set CHROMIUM_PATH; the review browser tests will fail without it." >&2
exit 0
