import AdminProtocol
import Logging
import RegistryDomain
import RegistryStore

/// The daemon's shared, immutable parts that handlers use.
public struct AdminServices: Sendable {
    public var store: Store
    public var rulebook: Rulebook
    public var calendar: WorkingCalendar
    public var table: CommandTable
    public var serverName: String
    /// Hotline lookup counters (flushed by the timer service).
    public var verifyCounter: VerifyCounter
    /// True on test daemons: `clock.advance` may move the registry clock.
    public var testClock: Bool
    /// The hotline's in-memory index (nil: every lookup goes to the database).
    public var verifyIndex: VerifyIndex?
    /// Asks the timer service for a round now.
    public var timerKick: (@Sendable () -> Void)?
    /// Audit entries `audit.verify` checks per statement (`limits.audit_verify_chunk`).
    public var auditVerifyChunk: Int

    public init(store: Store, rulebook: Rulebook, calendar: WorkingCalendar, table: CommandTable, serverName: String,
                verifyCounter: VerifyCounter = VerifyCounter(), testClock: Bool = false,
                timerKick: (@Sendable () -> Void)? = nil, verifyIndex: VerifyIndex? = nil, auditVerifyChunk: Int = 50_000) {
        self.auditVerifyChunk = auditVerifyChunk
        self.store = store
        self.rulebook = rulebook
        self.calendar = calendar
        self.table = table
        self.serverName = serverName
        self.verifyCounter = verifyCounter
        self.testClock = testClock
        self.timerKick = timerKick
        self.verifyIndex = verifyIndex
    }
}
