/// A licence number `L-YYYY-NNNN-C`: year of first issue, a serial, and a Luhn check digit over the
/// eight digits, so a mistyped or invented number is caught before any lookup (every single-digit error
/// and most adjacent transpositions change the check digit).
public struct LicenceNumber: Hashable, Sendable, CustomStringConvertible {
    public let year: Int
    public let serial: Int

    public init(year: Int, serial: Int) {
        self.year = year
        self.serial = serial
    }

    public var checkDigit: Int { Self.luhn(digits) }

    private var digits: [Int] {
        let text = String(year) + String(repeating: "0", count: max(0, 4 - String(serial).count)) + String(serial)
        return text.compactMap { $0.wholeNumberValue }
    }

    public var description: String {
        let s = String(serial)
        return "L-\(year)-\(String(repeating: "0", count: max(0, 4 - s.count)))\(s)-\(checkDigit)"
    }

    /// Why a typed number was not accepted.
    public enum ParseResult: Hashable, Sendable {
        case valid(LicenceNumber)
        /// Looks like a licence number but the check digit is wrong: mistyped or invented.
        case badCheckDigit
        /// Not a licence number at all.
        case notALicenceNumber
    }

    /// Parses `L-2015-0042-7`, tolerating case, spaces, dashes and Khmer digits (`L-២០១៥-០០៤២-៧`).
    public static func parse(_ text: String) -> ParseResult {
        let trimmed = text.trimmingCharacters(in: " \t")
        guard let first = trimmed.unicodeScalars.first, first == "L" || first == "l" else { return .notALicenceNumber }
        let digitText = NameKey.digits(String(trimmed.unicodeScalars.dropFirst()))
        let rest = trimmed.unicodeScalars.dropFirst().filter {
            !($0 == "-" || $0 == " " || ("0"..."9").contains($0) || (0x17E0...0x17E9).contains($0.value))
        }
        guard rest.isEmpty, digitText.count == 9 else { return .notALicenceNumber }
        let d = digitText.compactMap { $0.wholeNumberValue }
        let number = LicenceNumber(year: d[0...3].reduce(0) { $0 * 10 + $1 }, serial: d[4...7].reduce(0) { $0 * 10 + $1 })
        return number.checkDigit == d[8] ? .valid(number) : .badCheckDigit
    }

    /// Luhn check digit for `digits` (the digit that makes the whole sequence pass).
    static func luhn(_ digits: [Int]) -> Int {
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            if i % 2 == 0 {
                let doubled = d * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += d
            }
        }
        return (10 - sum % 10) % 10
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
