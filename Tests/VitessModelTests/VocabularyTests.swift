import Testing
import VitessModel

@Suite struct VocabularyTests {
    @Test func onlyReplicaAndExternalMasterPoolsAreMasterEligible() {
        let eligible = TabletPoolType.allCases.filter(\.isMasterEligible)
        #expect(eligible == [.replica, .externalmaster])
    }

    @Test func rolloutAnnotationKeysMatchTheOperator() {
        #expect(RolloutAnnotation.scheduled == "rollout.planetscale.com/scheduled")
        #expect(RolloutAnnotation.released == "rollout.planetscale.com/released")
        #expect(RolloutAnnotation.cascade == "rollout.planetscale.com/cascade")
    }

    @Test func componentsMapToTheObjectsThatCarryAnnotations() {
        #expect(ComponentKind.cell.objectKind == "VitessCell")
        #expect(ComponentKind.tablet.objectKind == "Pod")
        #expect(ComponentKind.etcd.objectKind == "Pod")
        #expect(ComponentKind.deployment.objectKind == "Deployment")
    }
}
