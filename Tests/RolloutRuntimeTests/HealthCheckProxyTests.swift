import Testing

@testable import RolloutRuntime

@Suite("http checks honour curl's proxy variables")
struct HealthCheckProxyTests {
    @Test(
        "The variable for the URL's scheme wins, all_proxy is the fallback, no_proxy comes along",
        arguments: [
            ("http://grafana/x", ["http_proxy": "http://p:1", "all_proxy": "http://a:1"], "http://p:1"),
            ("http://grafana/x", ["HTTP_PROXY": "http://p:1"], nil),  // curl ignores the upper-case form for http
            ("https://grafana/x", ["HTTPS_PROXY": "http://s:1"], "http://s:1"),
            ("https://grafana/x", ["https_proxy": "http://s:1", "http_proxy": "http://p:1"], "http://s:1"),
            ("https://grafana/x", ["http_proxy": "http://p:1", "ALL_PROXY": "http://a:1"], "http://a:1"),
            ("http://grafana/x", ["http_proxy": ""], nil),
            ("http://grafana/x", [:], nil),
        ] as [(String, [String: String], String?)])
    func proxyFor(_ url: String, _ environment: [String: String], _ expected: String?) {
        var withNoProxy = environment
        withNoProxy["no_proxy"] = "127.0.0.1,.svc"
        let settings = HealthCheckRunner.proxySettings(for: url, environment: withNoProxy)
        #expect(settings.url == expected)
        #expect(settings.noProxy == (expected == nil ? nil : "127.0.0.1,.svc"))
    }
}
