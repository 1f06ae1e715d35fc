#!/usr/bin/env bash
# Regenerates the TLS fixtures used by KubeClientTests: a test CA, a server certificate for the
# loopback test API server, a client certificate for mutual TLS, and an unrelated CA for the
# "wrong CA" case. They are committed, so tests never run openssl; validity is 100 years so the
# fixtures do not rot. None of these keys protect anything real.
#
# The server certificate names only DNS:localhost and DNS:kube-apiserver.test (no IP address), so a
# test can prove that `tls-server-name` changes what is verified when the URL says 127.0.0.1.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/Tests/KubeClientTests/Fixtures/certs"
mkdir -p "$out"
cd "$out"
days=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days "$days" \
    -subj "/CN=vtop-test-ca" 2>/dev/null

openssl req -newkey rsa:2048 -nodes -keyout server.key -out "$tmp/server.csr" \
    -subj "/CN=kube-apiserver.test" 2>/dev/null
printf 'subjectAltName=DNS:localhost,DNS:kube-apiserver.test\nextendedKeyUsage=serverAuth\n' > "$tmp/server.ext"
openssl x509 -req -in "$tmp/server.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
    -extfile "$tmp/server.ext" -out server.crt 2>/dev/null

openssl req -newkey rsa:2048 -nodes -keyout client.key -out "$tmp/client.csr" \
    -subj "/O=system:masters/CN=vtop-admin" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > "$tmp/client.ext"
openssl x509 -req -in "$tmp/client.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
    -extfile "$tmp/client.ext" -out client.crt 2>/dev/null

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/other-ca.key" -out other-ca.crt -days "$days" \
    -subj "/CN=unrelated-ca" 2>/dev/null

rm -f ca.srl
echo "wrote $(ls "$out" | tr '\n' ' ')"
