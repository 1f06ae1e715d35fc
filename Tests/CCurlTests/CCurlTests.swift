import CCurl
import Testing

/// Checks that the system libcurl links and has the features the Kubernetes client relies on.
@Suite struct CCurlTests {
    @Test func libcurlReportsTheFeaturesTheClientNeeds() throws {
        let info = try #require(vtop_curl_version_info())
        let features = Int32(info.pointee.features)
        #expect(features & CURL_VERSION_SSL != 0, "libcurl must be built with TLS")
        // In-memory certificate blobs (CURLOPT_SSLCERT_BLOB) arrived in 7.71.0.
        #expect(info.pointee.version_num >= 0x07_47_00)
    }

    @Test func typedSetoptWrappersAcceptOptions() throws {
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        #expect(vtop_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, 1500) == CURLE_OK)
        #expect(vtop_curl_setopt_string(handle, CURLOPT_URL, "http://127.0.0.1:1/") == CURLE_OK)
        let pem = Array("not a real certificate".utf8)
        #expect(vtop_curl_setopt_blob(handle, CURLOPT_CAINFO_BLOB, pem, pem.count) == CURLE_OK)
    }

    @Test func libcurlCanNegotiateHTTP2AndWakeAPollingTransfer() throws {
        let info = try #require(vtop_curl_version_info())
        let features = Int32(info.pointee.features)
        #expect(features & CURL_VERSION_HTTP2 != 0, "HTTP/2 is negotiated with API servers that offer it")
        // The client cancels transfers with curl_multi_wakeup (7.68.0) and reuses connections
        // through multi handles.
        #expect(info.pointee.version_num >= 0x07_44_00)
        let multi = try #require(curl_multi_init())
        defer { curl_multi_cleanup(multi) }
        #expect(curl_multi_wakeup(multi) == CURLM_OK)
        #expect(curl_multi_poll(multi, nil, 0, 1000, nil) == CURLM_OK)  // returns at once: woken above
    }

    @Test func connectToListsAreAccepted() throws {
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        let list = curl_slist_append(nil, "kube-apiserver.test:443:127.0.0.1:6443")
        defer { curl_slist_free_all(list) }
        #expect(vtop_curl_setopt_slist(handle, CURLOPT_CONNECT_TO, list) == CURLE_OK)
    }
}
