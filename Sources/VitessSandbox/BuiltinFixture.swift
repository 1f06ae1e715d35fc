/// The default cluster `vtop-rollout sandbox` serves without `--fixture`: two cells, an unsharded `commerce`
/// keyspace and a 4-shard `customer` keyspace, each with replica and rdonly pools, under External.
///
/// It is the cluster of `docs/examples/sandbox-default.yaml` (a test keeps the two equal), kept in code so the
/// demo needs no files.
public enum BuiltinFixture {
    /// The VitessCluster manifest.
    public static var cluster: JSON {
        let image = "vitess/lite:v21.0.0-mysql80"
        let vtorc: JSON = [
            "resources": ["requests": ["cpu": "100m", "memory": "128Mi"], "limits": ["memory": "128Mi"]]
        ]
        func pools(replicas: Int) -> JSON {
            .array(
                ["zone1", "zone2"].flatMap { cell -> [JSON] in
                    [
                        [
                            "cell": .string(cell), "type": "replica", "replicas": .int(replicas),
                            "dataVolumeClaimTemplate": [
                                "accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "10Gi"]],
                            ],
                        ],
                        [
                            "cell": .string(cell), "type": "rdonly", "replicas": 1,
                            "dataVolumeClaimTemplate": [
                                "accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "10Gi"]],
                            ],
                        ],
                    ]
                })
        }
        return [
            "apiVersion": "planetscale.com/v2", "kind": "VitessCluster",
            "metadata": ["name": "example", "namespace": "example"],
            "spec": [
                "images": [
                    "vtctld": .string(image), "vtgate": .string(image), "vttablet": .string(image),
                    "vtorc": .string(image),
                    "vtbackup": .string(image), "mysqld": ["mysql80Compatible": .string(image)],
                    "mysqldExporter": "prom/mysqld-exporter:v0.18.0",
                ],
                "cells": [
                    ["name": "zone1", "gateway": ["replicas": 2]],
                    ["name": "zone2", "gateway": ["replicas": 2]],
                ],
                "vitessDashboard": ["cells": ["zone1", "zone2"], "replicas": 1],
                "keyspaces": [
                    [
                        "name": "commerce", "durabilityPolicy": "semi_sync", "turndownPolicy": "Immediate",
                        "vitessOrchestrator": vtorc,
                        "partitionings": [
                            ["equal": ["parts": 1, "shardTemplate": ["tabletPools": pools(replicas: 2)]]]
                        ],
                    ],
                    [
                        "name": "customer", "durabilityPolicy": "semi_sync", "turndownPolicy": "Immediate",
                        "vitessOrchestrator": vtorc,
                        "partitionings": [
                            ["equal": ["parts": 4, "shardTemplate": ["tabletPools": pools(replicas: 2)]]]
                        ],
                    ],
                ],
                "updateStrategy": ["type": "External"],
            ],
        ]
    }
}
