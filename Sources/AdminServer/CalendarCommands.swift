import AdminProtocol
import RegistryDomain

/// The working-day calendar: holidays of a year, and due dates counted in calendar or working days.
enum CalendarCommands {
    static let all: [Command] = [holidays, due]

    static let holidays = Command(CommandSpec(
        "calendar.holidays", summary: "public holidays of a year from Config/holidays.conf",
        fields: [ParameterSpec("year", .integer(1990...2100), required: true)],
        capability: Capability.calendarRead.rawValue, shape: .table
    ), sync: { (inv: Invocation, ctx: CommandContext) throws -> Reply in
        let year = Int(inv.field("year")!)!
        let rows = ctx.services.calendar.holidays.values.filter { $0.date.year == year }.sorted { $0.date < $1.date }.map { h in
            var row = [Field("date", h.date.description), Field("name", h.name)]
            if let km = h.nameKm { row.append(Field("name_km", km)) }
            return row
        }
        var fields = [Field("rows", String(rows.count))]
        if rows.isEmpty { fields.append(Field("msg", "no holidays listed for \(year): weekdays only")) }
        return Reply(.ok, data: .table(rows), fields: fields)
    })

    static let due = Command(CommandSpec(
        "calendar.due", summary: "due date of a deadline: from a date, N days, on the calendar or working-day basis",
        fields: [ParameterSpec("from", .date, required: true), ParameterSpec("days", .integer(0...3650), required: true),
                 ParameterSpec("basis", .oneOf(["calendar", "working"]), "default calendar")],
        capability: Capability.calendarRead.rawValue, shape: .record
    ), sync: { (inv: Invocation, ctx: CommandContext) throws -> Reply in
        guard let from = CivilDate(inv.field("from")!) else {
            return Reply.final(.invalidValue, Field("field", "from"), msg: "no such date")
        }
        let days = Int(inv.field("days")!)!
        let working = inv.field("basis") == "working"
        let date = ctx.services.calendar.due(after: days, from: from, workingDays: working)
        return Reply(.ok, data: .record([Field("from", from.description), Field("days", String(days)),
                                          Field("basis", working ? "working" : "calendar"), Field("due", date.description)]))
    })
}
