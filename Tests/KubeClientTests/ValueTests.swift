import Foundation
import Testing

@testable import KubeClient

/// Pure pieces: JSON values, certificate dates and object accessors.
@Suite struct ValueTests {
    @Test func jsonValuesRoundTripWithExactIntegersAndSortedKeys() throws {
        let text = #"{"b":9007199254740993,"a":[1.5,true,null,"x"],"metadata":{"generation":4}}"#
        let value = try JSONValue(data: Data(text.utf8))
        #expect(value["b"] == .integer(9_007_199_254_740_993))
        #expect(
            String(decoding: value.encoded(), as: UTF8.self)
                == #"{"a":[1.5,true,null,"x"],"b":9007199254740993,"metadata":{"generation":4}}"#)
        #expect(KubeObject(value).generation == 4)
    }

    @Test func objectAccessorsReadMetadata() {
        let object = KubeObject([
            "kind": "VitessShard",
            "metadata": [
                "name": "s", "namespace": "vt", "uid": "u-1", "resourceVersion": "7",
                "labels": ["a": "1"], "annotations": ["planetscale.com/rollout": "true", "n": 3],
            ],
        ])
        #expect(object.kind == "VitessShard")
        #expect(object.namespace == "vt")
        #expect(object.uid == "u-1")
        #expect(object.labels == ["a": "1"])
        #expect(object.annotations == ["planetscale.com/rollout": "true"])
    }

    @Test(arguments: [
        (UInt8(0x17), "261102132116Z", "2026-11-02T13:21:16Z"),
        (UInt8(0x17), "991231235959Z", "1999-12-31T23:59:59Z"),
        (UInt8(0x18), "21261029132116Z", "2126-10-29T13:21:16Z"),
    ])
    func certificateTimesParse(tag: UInt8, text: String, expected: String) throws {
        let date = try #require(X509Validity.parseTime(tag: tag, text: text))
        #expect(ISO8601DateFormatter().string(from: date) == expected)
    }

    @Test func garbageIsNotACertificate() {
        #expect(
            X509Validity.notAfter(pem: Data("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----".utf8)) == nil
        )
        #expect(X509Validity.notAfter(pem: Data()) == nil)
    }
}
