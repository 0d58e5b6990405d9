#!/bin/sh
# Make sure nginx is there: the buffering reverse proxy the local stack and the
# end-to-end tests put in front of each gunicorn (docs/OPERATE.md, "Slow clients").
#
# Prints the path of the nginx it found. As root and with none found, installs
# Debian's `nginx-light` (or `nginx`) package, the way ensure-chromium.sh does for
# the browser. Otherwise it says plainly that none was found: `make run` then
# serves without the proxy and the slow-client test fails saying the same.
# NGINX_PATH, when set, wins.
set -eu

find_nginx() {
    if [ -n "${NGINX_PATH:-}" ] && [ -x "${NGINX_PATH}" ]; then
        echo "${NGINX_PATH}"
        return 0
    fi
    for path in "$(command -v nginx 2>/dev/null || true)" /usr/sbin/nginx /usr/local/sbin/nginx; do
        if [ -n "$path" ] && [ -x "$path" ]; then
            echo "$path"
            return 0
        fi
    done
    return 1
}

if found=$(find_nginx); then
    echo "ensure-nginx: using $found"
    exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-nginx: no nginx found; installing Debian's nginx package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
    # Debian starts the packaged site on port 80 where it can; the stack runs its own.
    if command -v service >/dev/null 2>&1; then service nginx stop >/dev/null 2>&1 || true; fi
    if found=$(find_nginx); then
        echo "ensure-nginx: using $found"
        exit 0
    fi
fi

echo "ensure-nginx: NO NGINX FOUND (looked for \$NGINX_PATH, nginx on PATH, /usr/sbin/nginx)." >&2
echo "ensure-nginx: install it (Debian: apt-get install nginx-light) or set NGINX_PATH; without it the services run without their buffering proxy." >&2
exit 0
