@testable import AdminServer
import Testing

/// Scores on verify and agency-search replies: two decimals, rounded half away from zero.
@Suite struct Format2Tests {
    @Test func twoDecimals() {
        #expect(format2(0) == "0.00")
        #expect(format2(0.05) == "0.05")
        #expect(format2(0.7749) == "0.77")
        #expect(format2(0.775001) == "0.78")
        #expect(format2(1) == "1.00")
        #expect(format2(12.3) == "12.30")
        #expect(format2(1234.5) == "1234.50")
        #expect(format2(98765.43) == "98765.43")
        #expect(format2(-0.5) == "-0.50")
        for cents in 0..<10_000 {
            let x = Double(cents) / 100
            let expected = "\(cents / 100)." + (cents % 100 < 10 ? "0" : "") + "\(cents % 100)"
            #expect(format2(x) == expected)
        }
    }
}
