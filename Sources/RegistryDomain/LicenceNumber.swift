/// A licence number `L-YYYY-NNNN-C`: year of first issue, a serial, and a Luhn check digit over the
/// eight digits, so a mistyped or invented number is caught before any lookup (every single-digit error
/// and most adjacent transpositions change the check digit).
public struct LicenceNumber: Hashable, Sendable, CustomStringConvertible {
    public let year: Int
    public let serial: Int

    /// The number of `serial` in `year`; its check digit follows from the two.
    public init(year: Int, serial: Int) {
        self.year = year
        self.serial = serial
    }

    public var checkDigit: Int { Self.luhn(digits) }

    /// The eight digits: the year and the serial padded to four (longer serials keep all their digits).
    private var digits: [Int] {
        var out: [Int] = []
        var y = year, n = serial
        var serialDigits: [Int] = []
        repeat { serialDigits.append(n % 10); n /= 10 } while n > 0
        while serialDigits.count < 4 { serialDigits.append(0) }
        var yearDigits: [Int] = []
        repeat { yearDigits.append(y % 10); y /= 10 } while y > 0
        out.append(contentsOf: yearDigits.reversed())
        out.append(contentsOf: serialDigits.reversed())
        return out
    }

    public var description: String {
        let d = digits
        var out = "L-"
        out.reserveCapacity(d.count + 5)
        for (i, digit) in d.enumerated() {
            if i == d.count - 4 { out.unicodeScalars.append("-") }
            out.unicodeScalars.append(Unicode.Scalar(UInt8(0x30 + digit)))
        }
        out.unicodeScalars.append("-")
        out.unicodeScalars.append(Unicode.Scalar(UInt8(0x30 + Self.luhn(d))))
        return out
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
    ///
    /// One pass over the scalars with integer digits: this runs first on every hotline lookup.
    public static func parse(_ text: String) -> ParseResult {
        var sawLetter = false
        var d: [Int] = []
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x4C, 0x6C:  // L, l
                guard !sawLetter, d.isEmpty else { return .notALicenceNumber }
                sawLetter = true
                // Only now: a name or an ID-card number (most lookups) is turned away without an array.
                d.reserveCapacity(9)
            case 0x30...0x39:
                guard sawLetter else { return .notALicenceNumber }
                d.append(Int(v - 0x30))
            case 0x17E0...0x17E9:
                guard sawLetter else { return .notALicenceNumber }
                d.append(Int(v - 0x17E0))
            case 0x20, 0x09:
                continue
            case 0x2D:  // -
                guard sawLetter else { return .notALicenceNumber }
            default:
                return .notALicenceNumber
            }
            if d.count > 9 { return .notALicenceNumber }
        }
        guard sawLetter, d.count == 9 else { return .notALicenceNumber }
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
