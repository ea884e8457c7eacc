import LineGrammar

/// One public holiday of the dated table in `Config/holidays.conf`.
public struct Holiday: Hashable, Sendable {
    public var date: CivilDate
    public var name: String
    public var nameKm: String?
    public var source: String?
}

/// Working days for deadlines counted in working days: the rulebook's working weekdays minus Cambodia's
/// public holidays. The holiday table is data (Config/holidays.conf), edited when the annual
/// sub-decree on public holidays is published; years not in the table count weekdays only.
public struct WorkingCalendar: Sendable {
    public let holidays: [CivilDate: Holiday]
    public let workingWeekdays: Set<Int>

    public init(holidays: [Holiday], workingWeekdays: Set<Int>) {
        self.holidays = Dictionary(holidays.map { ($0.date, $0) }, uniquingKeysWith: { a, _ in a })
        self.workingWeekdays = workingWeekdays
    }

    /// Years the table covers.
    public var years: [Int] { Set(holidays.keys.map(\.year)).sorted() }

    /// A working weekday that is not a public holiday of the table.
    public func isWorkingDay(_ date: CivilDate) -> Bool {
        workingWeekdays.contains(date.weekday) && holidays[date] == nil
    }

    /// The date `n` working days after `start` (the start day itself does not count).
    public func adding(workingDays n: Int, to start: CivilDate) -> CivilDate {
        var date = start
        var left = n
        while left > 0 {
            date = date.adding(days: 1)
            if isWorkingDay(date) { left -= 1 }
        }
        return date
    }

    /// The due date of a deadline of `n` days from `start`, on the given basis.
    public func due(after n: Int, from start: CivilDate, workingDays: Bool) -> CivilDate {
        workingDays ? adding(workingDays: n, to: start) : start.adding(days: n)
    }

    /// Parses the holiday table: `YYYY-MM-DD name="…" [name_km="…"] [source="…"]` per line.
    public static func parseHolidays(_ text: String, file: String = "holidays.conf") throws(RulebookError) -> [Holiday] {
        var result: [Holiday] = []
        var seen: Set<CivilDate> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let tokens: [Token]
            do { tokens = try Tokenizer.tokenize(Array(raw.utf8)).tokens } catch {
                throw RulebookError(file: file, line: line, key: nil, message: "syntax: \(error.reason.rawValue) at byte \(error.offset)")
            }
            guard let first = tokens.first else { continue }
            guard case .positional(let text) = first, let date = CivilDate(text) else {
                throw RulebookError(file: file, line: line, key: nil, message: "a line must start with a date YYYY-MM-DD")
            }
            guard seen.insert(date).inserted else {
                throw RulebookError(file: file, line: line, key: text, message: "date listed twice")
            }
            var holiday = Holiday(date: date, name: "")
            for token in tokens.dropFirst() {
                guard case .field(let key, let value) = token else {
                    throw RulebookError(file: file, line: line, key: text, message: "expected name=value attributes")
                }
                switch key {
                case "name": holiday.name = value
                case "name_km": holiday.nameKm = value
                case "source": holiday.source = value
                default: throw RulebookError(file: file, line: line, key: text, message: "unknown attribute \(key)")
                }
            }
            guard !holiday.name.isEmpty else { throw RulebookError(file: file, line: line, key: text, message: "missing name=") }
            result.append(holiday)
        }
        return result.sorted { $0.date < $1.date }
    }
}
