import VitessModel

/// What a kubelet reports for a Pod it runs: a status for every container and init container (`imageID`,
/// `containerID`, `state`, `started`, `ready`, `restartCount`), the four conditions with `lastTransitionTime`,
/// the node, distinct Pod IPs. Client libraries with strict models (client-go, the Python `kubernetes` package)
/// deserialize these Pods as they do a real cluster's.
enum Kubelet {
    /// Where a Pod is in its life.
    enum Phase: Equatable {
        /// Containers started, not yet Ready (starting up, or held by a never-Ready fault).
        case starting
        /// Ready.
        case ready
        /// `deletionTimestamp` is set: containers are being stopped within the grace period.
        case terminating
    }

    /// The node a Pod runs on: one of eight emulated nodes, by the Pod's name.
    static func nodeName(_ podName: String) -> String { "sandbox-node-\(digest(podName)[0] % 8 + 1)" }

    /// A Pod IP, distinct per Pod name (10.x.y.z from the name's MD5).
    static func podIP(_ podName: String) -> String {
        let bytes = digest(podName)
        return "10.\(bytes[1] % 200 + 20).\(bytes[2]).\(bytes[3] % 250 + 2)"
    }

    private static func digest(_ text: String) -> [UInt8] {
        var md5 = MD5()
        md5.update(text)
        return md5.finalize()
    }

    private static func hex(_ text: String, length: Int) -> String {
        var out = ""
        var seed = text
        while out.count < length {
            out += digest(seed).map { String($0, radix: 16).leftPadded(2) }.joined()
            seed += "+"
        }
        return String(out.prefix(length))
    }

    /// The Pod's status for a phase, at `now` (an RFC 3339 time); `since` is when the phase began, `started`
    /// when the containers started (the Pod's creation).
    static func status(for pod: JSON, phase: Phase, now: String, since: String, started: String) -> JSON {
        let name = pod[path: ["metadata", "name"]].string ?? ""
        let uid = pod[path: ["metadata", "uid"]].string ?? name
        let ready = phase == .ready
        let flag: JSON = ready ? "True" : "False"
        func container(_ spec: JSON, initContainer: Bool) -> JSON {
            let containerName = spec["name"].string ?? ""
            let image = spec["image"].string ?? ""
            let repository = image.split(separator: ":").first.map(String.init) ?? image
            var state: JSON
            if initContainer {
                state = [
                    "terminated": [
                        "exitCode": 0, "reason": "Completed", "startedAt": .string(started),
                        "finishedAt": .string(started), "containerID": .string("containerd://" + hex(uid + containerName, length: 64)),
                    ]
                ]
            } else if phase == .terminating {
                state = ["running": ["startedAt": .string(started)]]
            } else {
                state = ["running": ["startedAt": .string(started)]]
            }
            return [
                "name": .string(containerName), "image": .string(image),
                "imageID": .string("\(repository)@sha256:\(hex(image, length: 64))"),
                "containerID": .string("containerd://" + hex(uid + containerName, length: 64)),
                "ready": .bool(initContainer || ready), "started": .bool(!initContainer), "restartCount": 0,
                "state": state, "lastState": [:],
            ]
        }
        let containers = (pod[path: ["spec", "containers"]].array ?? []).map { container($0, initContainer: false) }
        let initContainers = (pod[path: ["spec", "initContainers"]].array ?? []).map {
            container($0, initContainer: true)
        }
        let ip = podIP(name)
        let host = "192.168.0.\(digest(nodeName(name))[0] % 200 + 10)"
        var status: JSON = [
            "phase": "Running", "qosClass": "Burstable", "startTime": .string(started),
            "podIP": .string(ip), "podIPs": [["ip": .string(ip)]], "hostIP": .string(host),
            "hostIPs": [["ip": .string(host)]],
            "conditions": [
                ["type": "PodScheduled", "status": "True", "lastTransitionTime": .string(started), "lastProbeTime": .null],
                ["type": "Initialized", "status": "True", "lastTransitionTime": .string(started), "lastProbeTime": .null],
                ["type": "ContainersReady", "status": flag, "lastTransitionTime": .string(since), "lastProbeTime": .null],
                ["type": "Ready", "status": flag, "lastTransitionTime": .string(since), "lastProbeTime": .null],
            ],
            "containerStatuses": .array(containers),
        ]
        if !initContainers.isEmpty { status["initContainerStatuses"] = .array(initContainers) }
        return status
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
