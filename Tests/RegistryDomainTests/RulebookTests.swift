import Foundation
import RegistryDomain
import Testing

/// The shipped rulebook loads, carries every §11 parameter with tag, basis and source, and a bad file
/// stops start-up with the key and line.
@Suite struct RulebookTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func shipped() throws -> String {
        try String(contentsOf: root.appendingPathComponent("Config/rulebook.conf"), encoding: .utf8)
    }

    /// CMP-4: first action on a written complaint within 10 days (tag S).
    @Test func shippedRulebookLoads() throws {
        let rulebook = try Rulebook.parse(try Self.shipped())
        let rule = try #require(rulebook["complaint.first_action_days"])
        #expect(rule.value == .integer(10))
        #expect(rule.tag == .S)
        #expect(rule.basis == "CMP-4")
        #expect(rule.source.contains("[L3]"))
        #expect(rulebook.integer("deposit.required_usd") == 100_000)
        #expect(rulebook.integer("sanction.recruitment_suspension_days") == 45)
        #expect(rulebook["fees.cap_usd"]?.value == .null)
        #expect(rulebook.workingWeekdays == [1, 2, 3, 4, 5])
        for key in RuleSchema.requiredKeys { #expect(rulebook[key] != nil, "\(key)") }
    }

    @Test func unknownKeyNamesKeyAndLine() throws {
        let text = try Self.shipped() + "complaint.first_action_dayz value=10 tag=S basis=CMP-4 source=x\n"
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        #expect(throws: RulebookError(file: "rulebook.conf", line: line, key: "complaint.first_action_dayz", message: "unknown key")) {
            try Rulebook.parse(text)
        }
    }

    @Test func wrongTypeIsRefused() throws {
        let text = try Self.shipped().replacingOccurrences(of: "complaint.first_action_days value=10", with: "complaint.first_action_days value=ten")
        do {
            _ = try Rulebook.parse(text)
            Issue.record("expected a type error")
        } catch {
            #expect(error.key == "complaint.first_action_days")
            #expect(error.message.contains("is not integer"))
            #expect(error.line == 59)
        }
    }

    @Test func missingRequiredKeyIsRefused() throws {
        let text = try Self.shipped().split(separator: "\n").filter { !$0.hasPrefix("deposit.required_usd ") }.joined(separator: "\n")
        do {
            _ = try Rulebook.parse(text)
            Issue.record("expected a missing key")
        } catch {
            #expect(error.key == "deposit.required_usd")
            #expect(error.message == "required key missing")
        }
    }

    @Test func missingSourceOrBadTagIsRefused() {
        #expect(throws: RulebookError.self) { try Rulebook.parse("fees.cap_usd value=null tag=S basis=FEE-1\n") }
        #expect(throws: RulebookError.self) { try Rulebook.parse("fees.cap_usd value=null tag=X basis=FEE-1 source=s\n") }
    }

    @Test func familyKeysAreAccepted() {
        #expect(RuleSchema.entry(for: "worker.min_age_by_destination.MY.domestic_work")?.kind == .integer)
        #expect(RuleSchema.entry(for: "worker.min_age_by_destination") == nil)
    }
}
