#!/usr/bin/env bash
# Installs what building and testing vtop-rollout needs on a Debian machine that already has the
# Swift toolchain: libcurl's headers (the Kubernetes client is built on libcurl) and, for the
# schema test, Python's jsonschema package. Each step is skipped when already satisfied.
set -euo pipefail

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "install-deps: need root (or sudo) to run: $*" >&2; exit 1
    fi
}

have_curl_headers() {
    command -v pkg-config >/dev/null && pkg-config --exists libcurl 2>/dev/null && [ -f "$(pkg-config --variable=includedir libcurl)/curl/curl.h" -o -f /usr/include/x86_64-linux-gnu/curl/curl.h -o -f /usr/include/aarch64-linux-gnu/curl/curl.h ]
}

if ! have_curl_headers; then
    echo "install-deps: installing libcurl4-openssl-dev and pkg-config" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcurl4-openssl-dev pkg-config >/dev/null
fi

if ! command -v pkg-config >/dev/null; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pkg-config >/dev/null
fi

if command -v python3 >/dev/null && ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
    echo "install-deps: installing jsonschema and PyYAML for Python (used by the schema test)" >&2
    python3 -m pip install --quiet 'jsonschema>=4.18' 'PyYAML>=6' \
        || echo "install-deps: jsonschema/PyYAML unavailable; the Python schema check will be skipped" >&2
fi

# The sandbox conformance test deserializes the sandbox's Pods with the Python kubernetes client's strict
# models; without it that test is reported as skipped.
if command -v python3 >/dev/null && ! python3 -c 'import kubernetes' 2>/dev/null; then
    echo "install-deps: installing the Python kubernetes client (used by a sandbox conformance test)" >&2
    python3 -m pip install --quiet 'kubernetes>=28' \
        || echo "install-deps: the Python kubernetes client is unavailable; its test will be skipped" >&2
fi
