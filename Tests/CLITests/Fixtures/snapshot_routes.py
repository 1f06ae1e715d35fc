"""Turns a `kubectl get -o yaml` snapshot into routes for test_apiserver.py, one LIST per kind, so a
CLI test can compare `status` against the API with `status --snapshot` on the same objects.

Usage: snapshot_routes.py SNAPSHOT.yaml NAMESPACE > script.json
"""
import json
import sys

import yaml

snapshot, namespace = sys.argv[1], sys.argv[2]
paths = {
    "VitessCluster": "/apis/planetscale.com/v2/namespaces/%s/vitessclusters",
    "VitessCell": "/apis/planetscale.com/v2/namespaces/%s/vitesscells",
    "VitessKeyspace": "/apis/planetscale.com/v2/namespaces/%s/vitesskeyspaces",
    "VitessShard": "/apis/planetscale.com/v2/namespaces/%s/vitessshards",
    "Pod": "/api/v1/namespaces/%s/pods",
    "Deployment": "/apis/apps/v1/namespaces/%s/deployments",
    "Event": "/api/v1/namespaces/%s/events",
}
items = {kind: [] for kind in paths}
for item in yaml.safe_load(open(snapshot))["items"]:
    if item.get("kind") in items:
        items[item["kind"]].append(item)
routes = {paths[kind] % namespace: {"status": 200, "body": {"kind": kind + "List", "apiVersion": "v1",
                                                           "metadata": {"resourceVersion": "42"}, "items": objs}}
          for kind, objs in items.items()}
print(json.dumps({"routes": routes}, default=str))
