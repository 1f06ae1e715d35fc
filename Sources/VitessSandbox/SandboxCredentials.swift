import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// Throwaway credentials for `sandbox --tls`, made at start-up and kept only in memory and the kubeconfig.
///
/// A self-signed CA signs a server certificate for `127.0.0.1` and `localhost` and a client certificate for
/// `sandbox-admin` (group `system:masters`, as kubeadm names its admin). A random bearer token is accepted as
/// well. Keys are ECDSA P-256, which libcurl, kubectl and BoringSSL all accept. The description never shows
/// the token or a key.
public struct SandboxCredentials: Sendable, CustomStringConvertible {
    /// The CA certificate, PEM: the kubeconfig's `certificate-authority-data`.
    public let certificateAuthorityPEM: String
    /// The server's certificate, PEM.
    public let serverCertificatePEM: String
    /// The server's private key, PEM (PKCS#8).
    let serverKeyPEM: String
    /// The client certificate, PEM: the kubeconfig's `client-certificate-data`.
    public let clientCertificatePEM: String
    /// The client's private key, PEM (PKCS#8): the kubeconfig's `client-key-data`.
    public let clientKeyPEM: String
    /// The bearer token the server accepts besides the client certificate.
    public let token: String

    /// Makes a CA, server and client certificates valid from an hour before `now` for `validity` seconds, and a
    /// token of 32 random bytes.
    public static func generate(now: Date = Date(), validity: TimeInterval = 7 * 24 * 3600) throws
        -> SandboxCredentials
    {
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(validity)
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("vtop-rollout")
            CommonName("vtop-rollout sandbox CA")
        }
        let caExtensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
        }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: caExtensions, issuerPrivateKey: .init(caKey))

        func leaf(_ subject: DistinguishedName, usage: ExtendedKeyUsage.Usage, names: [GeneralName]) throws
            -> (Certificate, P256.Signing.PrivateKey)
        {
            let key = P256.Signing.PrivateKey()
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([usage])
                if !names.isEmpty { SubjectAlternativeNames(names) }
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: .init(caKey))
            return (certificate, key)
        }
        let (server, serverKey) = try leaf(
            DistinguishedName { CommonName("vtop-rollout sandbox API server") }, usage: .serverAuth,
            names: [.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
        // kube-apiserver maps the subject's CN to the user and each O to a group.
        let (client, clientKey) = try leaf(
            DistinguishedName {
                OrganizationName("system:masters")
                CommonName("sandbox-admin")
            }, usage: .clientAuth, names: [])

        var random = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &random)) }
            .joined()
        return SandboxCredentials(
            certificateAuthorityPEM: try ca.serializeAsPEM().pemString,
            serverCertificatePEM: try server.serializeAsPEM().pemString, serverKeyPEM: serverKey.pemRepresentation,
            clientCertificatePEM: try client.serializeAsPEM().pemString, clientKeyPEM: clientKey.pemRepresentation,
            token: token)
    }

    /// A TLS server context: this server certificate, and client certificates verified against the CA when a
    /// client presents one (a client without one may still send the bearer token).
    public func serverContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [
                .certificate(try NIOSSLCertificate(bytes: Array(serverCertificatePEM.utf8), format: .pem))
            ],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(serverKeyPEM.utf8), format: .pem)))
        configuration.trustRoots = .certificates([
            try NIOSSLCertificate(bytes: Array(certificateAuthorityPEM.utf8), format: .pem)
        ])
        configuration.certificateVerification = .optionalVerification
        return try NIOSSLContext(configuration: configuration)
    }

    /// Whether `header` (an `Authorization` value) carries this token, compared in constant time.
    func accepts(authorization header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let offered = Array(header.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(token.utf8)
        guard offered.count == expected.count else { return false }
        return zip(offered, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Names what is held without showing a secret.
    public var description: String { "SandboxCredentials(ca, server, client certificate, token: <redacted>)" }
}
