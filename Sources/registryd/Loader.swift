import AdminServer
import Foundation
import RegistryDomain

/// Loads and validates the rulebook and the holiday table; any problem stops the daemon with the file,
/// line and key.
enum Loader {
    static func rulebook(_ settings: Settings) throws -> (Rulebook, WorkingCalendar) {
        let rulebookText = try String(contentsOfFile: settings.rulebookPath, encoding: .utf8)
        let rulebook = try Rulebook.parse(rulebookText, file: settings.rulebookPath)
        let holidaysText = try String(contentsOfFile: settings.holidaysPath, encoding: .utf8)
        let holidays = try WorkingCalendar.parseHolidays(holidaysText, file: settings.holidaysPath)
        return (rulebook, WorkingCalendar(holidays: holidays, workingWeekdays: rulebook.workingWeekdays))
    }

    static func table() throws -> CommandTable {
        let table = CommandTable.standard
        let problems = table.validate()
        if !problems.isEmpty { throw ValidationFailure(message: "command table: " + problems.joined(separator: "; ")) }
        return table
    }
}

struct ValidationFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
