#!/usr/bin/env python3
"""Fixture exec credential plugin. Prints an ExecCredential whose token is "<TOKEN_PREFIX>-<n>",
where n counts invocations (kept in $PLUGIN_STATE), so tests can see caching and refreshes. It also
copies KUBERNETES_EXEC_INFO and its argv into $PLUGIN_STATE.info for assertions."""
import json
import os
import sys

state = os.environ["PLUGIN_STATE"]
count = int(open(state).read()) + 1 if os.path.exists(state) else 1
open(state, "w").write(str(count))
open(state + ".info", "w").write(json.dumps({"argv": sys.argv[1:], "execInfo": os.environ.get("KUBERNETES_EXEC_INFO")}))
if os.environ.get("PLUGIN_FAIL"):
    sys.stderr.write("plugin: login required\n")
    sys.exit(3)
if os.environ.get("PLUGIN_CERT_FILE"):
    # Client-certificate credentials instead of a token, as some plugins return.
    status = {"clientCertificateData": open(os.environ["PLUGIN_CERT_FILE"]).read(),
              "clientKeyData": open(os.environ["PLUGIN_KEY_FILE"]).read()}
else:
    status = {"token": "%s-%d" % (os.environ.get("TOKEN_PREFIX", "exec-token"), count)}
if os.environ.get("PLUGIN_EXPIRY"):
    status["expirationTimestamp"] = os.environ["PLUGIN_EXPIRY"]
print(json.dumps({"apiVersion": os.environ.get("PLUGIN_API_VERSION", "client.authentication.k8s.io/v1"),
                  "kind": "ExecCredential", "status": status}))
