/// The plan `vtop-rollout demo` applies: the same text as plans/demo-upgrade.yaml (a test keeps
/// them equal), built in so the demo needs no files.
enum DemoPlan {
    static let text = """
        # yaml-language-server: $schema=../schemas/rollout-plan.schema.json
        #
        # The plan `vtop-rollout demo` applies to the built-in sandbox cluster after it changes the vttablet
        # and vtgate images: one rdonly canary that soaks, an approval, every other tablet (four shards at a
        # time, primaries last and paced), the vtorc Deployments, then vtgate cell by cell.
        apiVersion: vtop-rollout/v1
        kind: RolloutPlan
        metadata:
          name: demo-upgrade
          description: "vitess/lite v21 -> v22: canary, approval, tablets, control plane, vtgate last"
        spec:
          cluster: example
          namespace: example
          requireFullCoverage: true
          expect:
            - kind: keyspaces
              contains: "vitess/lite:v22.0.0"
          defaults:
            timeout: 30m
            onFailure: pause
            healthChecks:
              - tabletAvailable: {}
          stages:
            - name: canary
              description: One rdonly tablet of one customer shard.
              release: tablets
              select: {keyspace: customer, shard: "-40", cell: zone1, pool: rdonly, limit: 1}
              soak: 2m
            - name: approve-canary
              gate:
                approval:
                  message: "The canary soaked for 2m. Roll out everything else?"
            - name: all-tablets
              description: Every other tablet; four shards at a time, one tablet per shard, primaries last.
              release: tablets
              maxConcurrent: {shards: 4}
              primarySwitchoverInterval: 1m
              healthChecks:
                - shardHealthy: {}
            - name: control-plane
              description: The vtorc Deployments, whose change appears once their shard is released.
              release: deployments
            - name: vtgate
              description: vtgate after every tablet (vitess-operator#672), one cell at a time.
              release: cells
              maxConcurrent: {total: 1}
        """
}
