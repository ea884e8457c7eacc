/// Who runs a transaction. Set per transaction with `set_config(…, true)`, never per session, so a pooled
/// connection cannot carry one caller's scope into the next (reliability-security §2.5).
public struct ActorContext: Sendable, Hashable {
    /// Staff id, or `system`, or `uid:<n>` for an unknown peer.
    public var actor: String
    public var listener: String
    public var peerUID: Int?
    public var provinces: [String]
    public var communes: [String]

    public init(actor: String, listener: String, peerUID: Int?, provinces: [String] = [], communes: [String] = []) {
        self.actor = actor
        self.listener = listener
        self.peerUID = peerUID
        self.provinces = provinces
        self.communes = communes
    }

    /// How far row-level security lets this caller see complaint cases: `commune` (a commune chief),
    /// `province` (provincial staff), `all` (ministry staff and the daemon itself), `none` (a peer with
    /// no staff account).
    public var scope: String {
        if actor.hasPrefix("uid:") { return "none" }
        if !communes.isEmpty { return "commune" }
        if !provinces.isEmpty { return "province" }
        return "all"
    }

    /// The daemon itself (timers, start-up tasks).
    public static let system = ActorContext(actor: "system", listener: "", peerUID: nil)
}
