import Foundation
public import LienthongConfig
import LienthongLabor
import LienthongPKI
import X509

/// Checks what the TOML loader cannot: that the files a configuration names hold what they should
/// (certificates, matching keys, CRLs signed by a trust anchor). Used by `lienthong config check`.
public enum ConfigurationContentCheck {
    /// Every problem with the configured files, each named by its configuration key.
    public static func problems(in configuration: GatewayConfiguration) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func check(_ key: String, _ body: () throws -> Void) {
            do { try body() } catch {
                problems.append(ConfigurationProblem(key: key, message: "\(error)"))
            }
        }
        check("partner.certificate") {
            _ = try TLSProfile.loadIdentity(
                certificateFile: configuration.partner.certificateFile, keyFile: configuration.partner.privateKeyFile)
        }
        check("outbound.certificate") {
            _ = try TLSProfile.loadIdentity(
                certificateFile: configuration.outbound.certificateFile, keyFile: configuration.outbound.privateKeyFile)
        }
        var anchors: [Certificate] = []
        for (i, file) in configuration.partner.trustAnchorFiles.enumerated() {
            check("partner.trust_anchors[\(i)]") {
                anchors += try TLSProfile.loadCertificates(file: file).map { try Certificate(derEncoded: $0.toDERBytes()) }
            }
        }
        for (i, file) in configuration.outbound.trustAnchorFiles.enumerated() {
            check("outbound.trust_anchors[\(i)]") { _ = try TLSProfile.loadCertificates(file: file) }
        }
        for (i, file) in configuration.partner.crlFiles.enumerated() where !anchors.isEmpty {
            check("partner.crl_files[\(i)]") { _ = try RevocationStore(files: [file], trustAnchors: anchors) }
        }
        if let napas = configuration.upstreams["napas"] {
            do { _ = try UpstreamSigning.napas(upstream: napas, outbound: configuration.outbound) } catch let error as UpstreamSigning.LoadError {
                problems.append(ConfigurationProblem(key: error.key, message: error.reason))
            } catch {
                problems.append(ConfigurationProblem(key: "upstreams.napas", message: "\(error)"))
            }
        }
        if let labor = configuration.labor {
            do throws(LaborAnalysisError) { _ = try AgeBands(lowerBounds: labor.ageBands) } catch {
                problems.append(ConfigurationProblem(key: "labor.age_bands", message: error.detail))
            }
        }
        return problems
    }
}
