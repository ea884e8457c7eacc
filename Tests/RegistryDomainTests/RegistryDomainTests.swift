@testable import RegistryDomain
import Testing

/// The registry's pure rules, each named by its rule ID.
@Suite struct RegistryDomainTests {
    static let durations = LicenceMachine.Durations(rulebook: try! Rulebook.parse(try! RulebookTests.shipped()))

    @Test func nameKeyFoldsSpellings() {
        #expect(NameKey.make("Angkor Manpower Co., Ltd.") == "angkor manpower")
        #expect(NameKey.make("ANGKOR  MANPOWER") == "angkor manpower")
        #expect(NameKey.make("ក្រុមហ៊ុន អង្គរ\u{200B}ម៉ែនផៅវើ") == NameKey.make("អង្គរម៉ែនផៅវើ"))
        #expect(NameKey.make("Agency ១២៣") == "agency 123")
        // The ASCII fast path gives exactly the general path's key.
        for text in ["The Co Ltd", "co.ltd", "Coltd Angkor The", "  Angkor--co,,Ltd  Manpower the", "company", "", "a co b"] {
            #expect(NameKey.asciiKey(text) == NameKey.unicodeKey(text), "\(text)")
        }
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("aZ09 .,-&()'Co Ltd the\t/".unicodeScalars)
        for _ in 0..<2_000 {
            let n = Int(rng.next() % 24)
            let text = String(String.UnicodeScalarView((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
            #expect(NameKey.asciiKey(text) == NameKey.unicodeKey(text), "\(text)")
        }
        #expect(NameKey.digits("០១២ 345-678") == "012345678")
    }

    /// PRA-13 (licence numbers carry a check digit so invented numbers are caught).
    @Test func licenceNumberCheckDigit() {
        let n = LicenceNumber(year: 2015, serial: 42)
        #expect(n.description.hasPrefix("L-2015-0042-"))
        #expect(LicenceNumber.parse(n.description) == .valid(n))
        #expect(LicenceNumber.parse(n.description.lowercased()) == .valid(n))
        let khmer = String(n.description.map { c in c.wholeNumberValue.map { Character(Unicode.Scalar(0x17E0 + $0)!) } ?? c })
        #expect(LicenceNumber.parse(khmer) == .valid(n))
        // Every single-digit error is caught.
        var digits = Array(n.description)
        for i in digits.indices where digits[i].isNumber {
            let original = digits[i]
            for d in 0...9 where Character(String(d)) != original {
                digits[i] = Character(String(d))
                #expect(LicenceNumber.parse(String(digits)) != .valid(n))
                digits[i] = original
            }
        }
        #expect(LicenceNumber.parse("Angkor") == .notALicenceNumber)
    }

    /// §12.2 transitions, with the rule each one enforces.
    @Test func licenceMachine() throws {
        func next(_ e: LicenceMachine.Event, _ s: LicenceState) -> LicenceState? {
            try? LicenceMachine.apply(e, to: s, durations: Self.durations).get().0
        }
        let day = CivilDate(year: 2026, month: 1, day: 1)!
        #expect(next(.renewalWindowOpens, .active) == .renewalDue)  // PRA-13
        #expect(next(.renewalDeadlinePassed, .renewalDue) == .lateRenewal)
        #expect(next(.renew(newExpiry: day), .lateRenewal) == .active)
        #expect(next(.expire, .recruitmentSuspended) == .expired)
        #expect(next(.expire, .revoked) == nil)
        #expect(next(.suspendRecruitment(until: day), .active) == .recruitmentSuspended)  // PEN-4
        #expect(next(.liftRecruitmentSuspension, .recruitmentSuspended) == .active)
        #expect(next(.suspend, .recruitmentSuspended) == .suspended)  // PEN-1
        #expect(next(.reinstate, .suspended) == .active)
        #expect(next(.revoke, .suspended) == .revoked)  // PEN-2
        #expect(next(.reinstate, .revoked) == nil)
        #expect(next(.surrender, .suspended) == nil)
        #expect(next(.surrender, .lateRenewal) == .surrendered)  // PRA-1: an agency gives its licence back
        // Each transition names the rule it enforces; the store records it with the event.
        let events: [LicenceMachine.Event] = [.renewalWindowOpens, .renewalDeadlinePassed, .expire, .renew(newExpiry: day),
                                              .suspendRecruitment(until: day), .liftRecruitmentSuspension, .suspend, .reinstate,
                                              .revoke, .surrender]
        #expect(events.map { "\($0.name)=\($0.rule)" } == [
            "renewal_window_opens=PRA-13", "renewal_deadline_passed=PRA-13", "expire=PRA-13", "renew=PRA-13",
            "suspend_recruitment=PEN-4", "lift_recruitment_suspension=PEN-4", "suspend=PEN-1", "reinstate=PEN-1",
            "revoke=PEN-2", "surrender=PRA-1"])
        #expect(LicenceState.lateRenewal.mayRecruit && !LicenceState.recruitmentSuspended.mayRecruit)
        let refusal = try #require(LicenceMachine.apply(.reinstate, to: .revoked, durations: Self.durations).failure)
        #expect(refusal.rule == "PEN-1" && refusal.state == .revoked)
        // Timers come from the rulebook: 90 and 30 days before expiry, expiry the day after.
        let timers = LicenceMachine.lifecycleTimers(expiry: CivilDate(year: 2030, month: 12, day: 31)!, Self.durations)
        #expect(timers.map { "\($0.0.rawValue)@\($0.1)" } == ["licence.renewal_window@2030-10-02", "licence.late_renewal@2030-12-01",
                                                              "licence.expiry@2031-01-01"])
        #expect(LicenceMachine.activePhase(today: CivilDate(year: 2030, month: 12, day: 15)!, expiry: CivilDate(year: 2030, month: 12, day: 31)!,
                                           Self.durations) == .lateRenewal)
    }

    /// Verdict precedence: watch-list, licence status, ban (C-17), scope (PRA-15), province (PRA-10).
    @Test func verdicts() {
        let day = CivilDate(year: 2026, month: 6, day: 1)!
        let th = DestinationScope(country: "TH")
        let myDomestic = DestinationScope(country: "MY", sector: "domestic_work")
        let ban = SendingBan(destination: myDomestic, from: CivilDate(year: 2026, month: 1, day: 1)!)
        func v(_ state: LicenceState?, province: String? = nil, destination: DestinationScope? = nil, watch: Bool = false) -> Verdict {
            VerificationFacts(licenceState: state, scope: [th, DestinationScope(country: "MY")], registeredProvinces: ["14"],
                              province: province, destination: destination, bans: [ban], watchlisted: watch, on: day).verdict
        }
        #expect(v(.active, province: "14", destination: th) == .mayRecruit)
        #expect(v(.renewalDue, province: "12") == .notRegisteredInProvince)
        #expect(v(.active, destination: DestinationScope(country: "JP")) == .notLicensedForDestination)
        #expect(v(.active, destination: myDomestic) == .bannedDestination)
        #expect(v(.active, destination: DestinationScope(country: "MY", sector: "construction")) == .mayRecruit)
        #expect(v(.recruitmentSuspended) == .recruitmentSuspended)
        #expect(v(.suspended) == .licenceSuspended)
        #expect(v(.revoked) == .revoked)
        #expect(v(.expired) == .expired)
        #expect(v(.surrendered) == .notLicensed)
        #expect(v(nil) == .notLicensed)
        #expect(v(.active, watch: true) == .watchlisted)
        #expect(Verdict.notRegisteredInProvince.rule == "PRA-10")
    }

    /// C-17: recruits registered before the ban may still depart; new recruitment may not.
    @Test func sendingBanGrandfathering() {
        let my = DestinationScope(country: "MY", sector: "domestic_work")
        let ban = SendingBan(destination: my, from: CivilDate(year: 2011, month: 10, day: 15)!, until: CivilDate(year: 2017, month: 6, day: 1)!,
                             grandfatherRegisteredBefore: CivilDate(year: 2011, month: 10, day: 15)!)
        let during = CivilDate(year: 2011, month: 10, day: 17)!
        #expect(ban.blocksNewRecruitment(for: my, on: during))
        #expect(ban.allowsDeparture(for: my, registeredOn: CivilDate(year: 2011, month: 9, day: 1)!, on: during))
        #expect(!ban.allowsDeparture(for: my, registeredOn: CivilDate(year: 2011, month: 10, day: 16)!, on: during))
        #expect(!ban.blocksNewRecruitment(for: my, on: CivilDate(year: 2017, month: 6, day: 1)!))
        #expect(!ban.blocksNewRecruitment(for: DestinationScope(country: "TH"), on: during))
    }

    @Test func trigramsLikePgTrgm() {
        let a = Trigrams.of(NameKey.make("Angkor Wat Manpower"))
        #expect(Trigrams.similarity(a, Trigrams.of(NameKey.make("Angkor Wot Manpower"))) >= Trigrams.threshold)
        #expect(Trigrams.similarity(a, Trigrams.of(NameKey.make("Manpower Angkor Wat"))) == 1)
        #expect(Trigrams.similarity(a, Trigrams.of(NameKey.make("Bayon Human Resources"))) < Trigrams.threshold)
    }
}

extension Result {
    var failure: Failure? { if case .failure(let f) = self { return f } else { return nil } }
}
