/// One parameter as the rulebook file defines it: value, tag, legal basis and source.
public struct RuleEntry: Hashable, Sendable {
    public var key: String
    public var value: RuleValue
    /// Unit of the value (`days`, `working_days`, `months`, `years`, `usd`, `hours`), if any.
    public var unit: String?
    public var tag: RuleTag
    /// Rule ID(s) of legal-rules.md, e.g. `CMP-4`.
    public var basis: String
    /// Where the value comes from, with the [Lnn] source numbers of legal-rules §14.
    public var source: String
    /// Free note (e.g. "must be checked against the prakas before go-live").
    public var note: String?
    /// Line in the rulebook file.
    public var line: Int
}
