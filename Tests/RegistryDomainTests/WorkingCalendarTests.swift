import Foundation
import RegistryDomain
import Testing

@Suite struct WorkingCalendarTests {
    static func shipped() throws -> WorkingCalendar {
        let url = RulebookTests.root.appendingPathComponent("Config/holidays.conf")
        let holidays = try WorkingCalendar.parseHolidays(try String(contentsOf: url, encoding: .utf8))
        return WorkingCalendar(holidays: holidays, workingWeekdays: [1, 2, 3, 4, 5])
    }

    @Test func civilDateArithmetic() throws {
        let d = try #require(CivilDate("2026-04-10"))
        #expect(d.weekday == 5)  // Friday
        #expect(d.adding(days: 30).description == "2026-05-10")
        #expect(CivilDate(daysSinceEpoch: d.daysSinceEpoch) == d)
        #expect(CivilDate("2025-02-29") == nil)
        #expect(CivilDate("2024-02-29") != nil)
    }

    /// CMP-2: three working days to forward a complaint skip the weekend and Khmer New Year.
    @Test func workingDaysSkipWeekendsAndHolidays() throws {
        let calendar = try Self.shipped()
        let friday = try #require(CivilDate("2026-04-10"))
        // Mon 13 works; 14–16 Khmer New Year; Fri 17 and Mon 20 work.
        #expect(calendar.adding(workingDays: 3, to: friday).description == "2026-04-20")
        #expect(calendar.due(after: 3, from: friday, workingDays: false).description == "2026-04-13")
        #expect(!calendar.isWorkingDay(try #require(CivilDate("2026-11-09"))))
    }

    @Test func holidayTableErrorsNameTheLine() {
        #expect(throws: RulebookError(file: "holidays.conf", line: 2, key: "2026-01-01", message: "date listed twice")) {
            try WorkingCalendar.parseHolidays("2026-01-01 name=a\n2026-01-01 name=b\n")
        }
        #expect(throws: RulebookError.self) { try WorkingCalendar.parseHolidays("2026-13-01 name=a\n") }
    }
}
