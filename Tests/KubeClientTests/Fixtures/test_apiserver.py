#!/usr/bin/env python3
"""A scripted loopback HTTP(S) server for KubeClientTests. Test-only; never used in production.

Usage: test_apiserver.py SCRIPT.json LOG.jsonl [--tls CERT KEY] [--client-ca CA]

SCRIPT.json is {"responses": [...], "default": {...}, "routes": {"/path": response}}. A request whose
path (without the query) is in "routes" gets that response every time; any other request takes the
next response from "responses" (then "default"). A response is:
  {"status": 200, "headers": {...}, "body": <JSON value or string>}
  {"status": 200, "chunks": ["...", "..."], "chunkDelayMs": 30}   # chunked, flushed one by one
  {"drop": true}                                                   # close without any response
Each request is appended to LOG.jsonl before it is answered: method, path, headers, body and the
client certificate's common name. The chosen port is printed on stdout as "PORT <n>".
"""
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

script_path, log_path = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
with open(script_path) as f:
    script = json.load(f)
responses = list(script.get("responses", []))
default = script.get("default", {"status": 404, "body": {"kind": "Status", "code": 404, "reason": "NotFound",
                                                          "message": "no scripted response"}})
routes = script.get("routes", {})
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        cn = None
        if isinstance(self.connection, ssl.SSLSocket):
            peer = self.connection.getpeercert()
            if peer:
                for rdn in peer.get("subject", ()):
                    for key, value in rdn:
                        if key == "commonName":
                            cn = value
        with lock:
            path = self.path.split("?", 1)[0]
            if path in routes:
                response = routes[path]
            else:
                response = responses.pop(0) if responses else default
            with open(log_path, "a") as log:
                log.write(json.dumps({"method": self.command, "path": self.path,
                                      "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "body": body, "clientCN": cn,
                                      "clientPort": self.client_address[1]}) + "\n")
        if response.get("drop"):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status = response.get("status", 200)
        self.send_response(status)
        for name, value in response.get("headers", {}).items():
            self.send_header(name, value)
        if "chunks" in response:
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            delay = response.get("chunkDelayMs", 20) / 1000.0
            try:
                for chunk in response["chunks"]:
                    data = chunk.encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                    time.sleep(delay)
                if response.get("holdMs"):
                    time.sleep(response["holdMs"] / 1000.0)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True
            return
        payload = response.get("body", "")
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
if "--tls" in args:
    i = args.index("--tls")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args[i + 1], args[i + 2])
    if "--client-ca" in args:
        context.load_verify_locations(args[args.index("--client-ca") + 1])
        context.verify_mode = ssl.CERT_REQUIRED
    server.socket = context.wrap_socket(server.socket, server_side=True)
print("PORT %d" % server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
# Exit when the test closes stdin (or dies), so no server outlives its test.
sys.stdin.read()
