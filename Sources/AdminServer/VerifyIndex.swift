import AdminProtocol
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import RegistryDomain
import RegistryStore

/// The hotline's in-memory index: what `verify` needs to answer "now" without a database round trip,
/// so the answer comes at once while a villager waits on the phone.
///
/// Loaded in full at start and after any reconnect; patched per agency when a change is committed (by
/// this daemon before it replies — read-your-writes — and by every daemon through `NOTIFY
/// registry_changed`). As-of questions (`on=`) still go to the database, which holds the history.
public final class VerifyIndex: Sendable {
    struct Entry {
        var id: String
        var nameEN: String
        var nameKM: String
        var keyEN: String
        var keyKM: String
        var licence: VerifySnapshotRows.Licence?
        var scope: [DestinationScope] = []
        var provinces: Set<String> = []
        /// The facts that do not depend on the question, rendered once when the entry changes.
        var fields: [Field] = []
        var scopeSet: Set<DestinationScope> = []
        /// How a candidate line names the agency, and that line's text form up to the score.
        var label = ""
        var labelText: [UInt8]?

        mutating func prepare() {
            label = VerifyCommand.candidateLabel(id: id, nameEN: nameEN, nameKM: nameKM)
            labelText = VerifyCommand.candidatePrefix(label: label)
            let facts = licence.map { l in
                VerifyCommand.LicenceFacts(number: l.number, state: l.state, validUntil: l.expiresOn, since: l.since, until: l.suspendedUntil)
            }
            // Quoting decided once here, not on every lookup that shows this agency.
            fields = VerifyCommand.agencyFields(agency: (id, nameEN, nameKM), licence: facts, scope: scope).map { .prepared($0.key, $0.value) }
            scopeSet = Set(scope)
        }
    }

    struct State {
        var loaded = false
        var entries: [Entry] = []
        var byID: [String: Int] = [:]
        var byLicence: [String: Int] = [:]
        var byKey: [String: [Int]] = [:]
        /// Names by trigrams, one slot per entry: Latin-script keys and Khmer-script keys.
        var namesEN = TrigramIndex()
        var namesKM = TrigramIndex()
        /// Whether any Khmer-script key holds a Latin letter: while none does, a query whose letter-free
        /// trigrams cannot reach the threshold skips `namesKM` (`Trigrams.letterFreeWindows`).
        var latinInKM = false
        /// Each entry's position in id order: ties in score break by id, as in the database path, without
        /// comparing strings thousands of times per lookup.
        var idRank: [Int32] = []
        var cards: [String: [(Int, String)]] = [:]
        var cardsByAgency: [Int: [String]] = [:]
        var watches: [VerifySnapshotRows.Watch] = []
        /// Watch-list names by trigrams (slot = position in `watches`) and by exact key.
        var watchNames = TrigramIndex()
        var watchByKey: [String: Int] = [:]
        var watchByCard: [String: Int] = [:]
        var bans: [SendingBan] = []
        var clockOffset: Int64 = 0
    }

    /// An immutable state behind one reference: a lookup takes the reference under the lock and works
    /// outside it, so event-loop threads never wait on each other (a lock held for the whole lookup showed
    /// up as futex waits and context switches under load).
    final class Snapshot: @unchecked Sendable {
        let state: State
        init(_ state: State) { self.state = state }
    }

    private let current = NIOLockedValueBox(Snapshot(State()))
    /// Name-search working memory, one per thread (event loops are long-lived threads): it stays in
    /// that core's cache. (A shared pool handed the last-used one to whichever thread came next, and its
    /// 80 KB of per-name marks then moved between the cores' caches on every lookup.)
    private let scratch = ThreadSpecificVariable<TrigramIndex.Scratch>()
    /// Serialises writers (reload, per-agency patches) so that none overwrites another's snapshot.
    private let writer = NIOLock()
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public var isLoaded: Bool { snapshot.state.loaded }

    /// The current snapshot; read its state through it (`snapshot.state.x`), since copying the state
    /// out retains and releases every table of the index.
    private var snapshot: Snapshot { current.withLockedValue { $0 } }

    private func update(_ body: (inout State) -> Void) {
        writer.withLock {
            var s = snapshot.state
            body(&s)
            let fresh = Snapshot(s)
            current.withLockedValue { $0 = fresh }
        }
    }

    // MARK: - Loading

    /// Replaces the whole index.
    public func reload(from store: Store) async throws {
        let rows = try await store.transaction(.system) { tx in try await tx.verifySnapshotRows(agencyID: nil) }
        var fresh = State()
        fresh.loaded = true
        Self.merge(rows, into: &fresh)
        update { $0 = fresh }
        logger.info("hotline index loaded", metadata: ["agencies": "\(rows.agencies.count)", "recruiters": "\(rows.recruiters.count)"])
    }

    /// Applies one change notification: `agency:<id>`, `lists`, `clock` or `all`.
    public func apply(_ change: String, from store: Store) async throws {
        guard isLoaded else { return }
        if change.hasPrefix("agency:") {
            let id = String(change.dropFirst("agency:".count))
            let rows = try await store.transaction(.system) { tx in try await tx.verifySnapshotRows(agencyID: id) }
            update { Self.merge(rows, into: &$0) }
        } else {
            try await reload(from: store)
        }
    }

    /// Merges rows into the state: new agencies are appended and indexed, known ones replaced.
    static func merge(_ rows: VerifySnapshotRows, into s: inout State) {
        var touched: Set<Int> = []
        for a in rows.agencies {
            if let i = s.byID[a.id] {
                s.entries[i].licence = nil
                s.entries[i].scope = []
                s.entries[i].provinces = []
                touched.insert(i)
                continue
            }
            let i = s.entries.count
            s.entries.append(Entry(id: a.id, nameEN: a.nameEN, nameKM: a.nameKM, keyEN: a.keyEN, keyKM: a.keyKM))
            s.byID[a.id] = i
            s.byKey[a.keyEN, default: []].append(i)
            if a.keyKM != a.keyEN { s.byKey[a.keyKM, default: []].append(i) }
            s.namesEN.append(Trigrams.of(a.keyEN))
            s.namesKM.append(Trigrams.of(a.keyKM))
            if a.keyKM.utf8.contains(where: { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) { s.latinInKM = true }
            touched.insert(i)
        }
        if s.idRank.count != s.entries.count {
            let order = s.entries.indices.sorted { s.entries[$0].id < s.entries[$1].id }
            s.idRank = [Int32](repeating: 0, count: s.entries.count)
            for (rank, i) in order.enumerated() { s.idRank[i] = Int32(rank) }
            s.namesEN.setRanks(s.idRank)
            s.namesKM.setRanks(s.idRank)
            s.namesEN.seal()
            s.namesKM.seal()
        }
        var scopeByLicence: [String: [DestinationScope]] = [:]
        for (licence, scope) in rows.scope { scopeByLicence[licence, default: []].append(scope) }
        for l in rows.licences {
            guard let i = s.byID[l.agencyID] else { continue }
            s.entries[i].licence = l
            s.entries[i].scope = scopeByLicence[l.number] ?? []
            s.byLicence[l.number] = i
        }
        for (agency, province) in rows.registrations {
            if let i = s.byID[agency] { s.entries[i].provinces.insert(province) }
        }
        for i in touched { s.entries[i].prepare() }
        for i in touched {
            for card in s.cardsByAgency[i] ?? [] { s.cards[card]?.removeAll { $0.0 == i } }
            s.cardsByAgency[i] = []
        }
        for (card, agency, role) in rows.recruiters {
            guard let i = s.byID[agency] else { continue }
            s.cards[card, default: []].append((i, role))
            s.cardsByAgency[i, default: []].append(card)
        }
        s.watches = rows.watches
        s.watchNames = TrigramIndex()
        s.watchByKey = [:]
        s.watchByCard = [:]
        for (n, w) in s.watches.enumerated() {
            s.watchNames.append(Trigrams.of(w.key))
            if s.watchByKey[w.key] == nil { s.watchByKey[w.key] = n }
            if let c = w.idCard { s.watchByCard[c] = n }
        }
        s.watchNames.seal()
        s.bans = rows.bans
        s.clockOffset = rows.clockOffsetSeconds
    }

    // MARK: - Facts for other commands

    /// Today by the registry clock as last heard (nil before the index has loaded).
    public var today: CivilDate? {
        let snap = snapshot
        return snap.state.loaded ? Self.today(offset: snap.state.clockOffset) : nil
    }

    /// Whether the agency is known (index loaded).
    func hasAgency(_ id: String) -> Bool { snapshot.state.byID[id] != nil }

    /// The agency holding a licence number.
    func agency(licence: String) -> String? {
        let snap = snapshot
        return snap.state.byLicence[licence].map { snap.state.entries[$0].id }
    }

    // MARK: - Lookup

    /// Today in Cambodia by the registry clock.
    static func today(offset: Int64) -> CivilDate {
        let seconds = Int64(Date().timeIntervalSince1970) + offset + 7 * 3600
        return CivilDate(daysSinceEpoch: Int(seconds / 86_400))
    }

    /// The answer to a `verify` for now, or nil when the index is not loaded yet.
    func lookup(query: String, province: String?, destination: DestinationScope?) -> (Verdict, [Field])? {
        // The state is read through the snapshot, never copied out of it: a copy retains and releases
        // every table of the index on each lookup (passing `snap.state` as an argument made one).
        lookup(in: snapshot, query: query, province: province, destination: destination)
    }

    private func lookup(in snap: Snapshot, query: String, province: String?, destination: DestinationScope?) -> (Verdict, [Field])? {
        do {
            guard snap.state.loaded else { return nil }
            let day = Self.today(offset: snap.state.clockOffset)
            var extra: [Field] = []
            let index: Int
            switch LicenceNumber.parse(query) {
            case .badCheckDigit:
                return VerifyCommand.invalidNumber
            case .valid(let number):
                guard let i = snap.state.byLicence[number.description] else { return VerifyCommand.unknownLicence(number.description) }
                index = i
            case .notALicenceNumber:
                if let card = VerifyCommand.idCard(query) {
                    if let w = snap.state.watchByCard[card] { return VerifyCommand.watchlisted(id: snap.state.watches[w].id, name: nil, warning: nil) }
                    guard let (i, role) = snap.state.cards[card]?.first else { return VerifyCommand.unknownRecruiter }
                    index = i
                    extra.append(Field("recruiter_role", role))
                } else {
                    let key = NameKey.make(query)
                    let keyTrigrams = Trigrams.distinct(of: key)
                    let scratch = threadScratch()
                    let candidates = Self.candidates(key: key, trigrams: keyTrigrams, in: snap, limit: 6, scratch: scratch)
                    let best = candidates.first
                    // An exact agency name wins over any watch-list entry: no watch-list search then.
                    // Only a watch-list entry that would win is looked for: the search's threshold is
                    // the score it must reach, which prunes the search.
                    let watch = best?.exact == true ? nil
                        : Self.watch(key: key, trigrams: keyTrigrams, in: snap, scratch: scratch,
                                     threshold: max(Self.watchWins, best?.score ?? 0))
                    if let (w, score) = watch, score >= Self.watchWins, !(best?.exact ?? false), score >= (best?.score ?? 0) {
                        let listed = snap.state.watches[w]
                        return VerifyCommand.watchlisted(id: listed.id, name: listed.name, warning: listed.warning)
                    }
                    guard let best else { return VerifyCommand.noNameMatch }
                    index = best.index
                    let entries = snap.state.entries
                    extra = VerifyCommand.matchFields(best: (entries[best.index].label, best.score, best.exact, entries[best.index].labelText),
                                                       others: candidates.dropFirst().lazy.map { (entries[$0.index].label, $0.score, $0.exact, entries[$0.index].labelText) })
                }
            }
            return VerifyCommand.render(base: snap.state.entries[index].fields, licenceState: snap.state.entries[index].licence?.state,
                                        scope: snap.state.entries[index].scopeSet, provinces: snap.state.entries[index].provinces,
                                        bans: snap.state.bans, province: province, destination: destination, day: day, on: nil, extra: extra)
        }
    }

    private func threadScratch() -> TrigramIndex.Scratch {
        if let mine = scratch.currentValue { return mine }
        let fresh = TrigramIndex.Scratch()
        scratch.currentValue = fresh
        return fresh
    }

    /// A watch-list entry answers a name query instead of the agencies when it scores at least this
    /// (and at least the best agency's score, unless that name is exact).
    static let watchWins = 0.5

    /// The closest watch-list entry scoring at least `threshold` (an identical key scores 1), first
    /// listed on ties.
    static func watch(key: String, trigrams q: [UInt64], in snap: Snapshot,
                      scratch: TrigramIndex.Scratch, threshold: Double = Trigrams.threshold) -> (slot: Int, score: Double)? {
        if let exact = snap.state.watchByKey[key] { return (exact, 1) }
        var found: (Int, Double)?
        snap.state.watchNames.search(q, limit: 1, threshold: threshold, scratch: scratch) { slot, score in found = (slot, score) }
        return found
    }

    struct Candidate {
        var index: Int
        var score: Double
        var exact: Bool
    }

    /// Exact key first, then trigram similarity ≥ the pg_trgm threshold, best per agency (either
    /// script), ties by agency id. `TrigramIndex` offers only the slots that can be among the best.
    static func candidates(key: String, trigrams q: [UInt64], in snap: Snapshot, limit: Int,
                           scratch: TrigramIndex.Scratch = TrigramIndex.Scratch()) -> [Candidate] {
        guard !key.isEmpty else { return [] }
        var top: [Candidate] = []
        top.reserveCapacity(limit + 1)
        let idRank = snap.state.idRank  // captured alone, not the whole state
        func better(_ a: Candidate, _ b: Candidate) -> Bool {
            if a.exact != b.exact { return a.exact }
            if a.score != b.score { return a.score > b.score }
            return idRank[a.index] < idRank[b.index]
        }
        func offer(_ c: Candidate) {
            // Most entries sharing a common word fall below the current k-th best: reject them first.
            if top.count == limit, let last = top.last, !better(c, last) { return }
            if let at = top.firstIndex(where: { $0.index == c.index }) {
                guard better(c, top[at]) else { return }
                top.remove(at: at)
            }
            let position = top.firstIndex { better(c, $0) } ?? top.count
            top.insert(c, at: position)
            if top.count > limit { top.removeLast() }
        }
        for i in snap.state.byKey[key] ?? [] { offer(Candidate(index: i, score: 1, exact: true)) }
        // An exact key wins over every similar name, and an exact answer lists no candidates: no search.
        guard top.isEmpty else { return top }
        snap.state.namesEN.search(q, limit: limit, threshold: Trigrams.threshold, scratch: scratch) { slot, score in
            offer(Candidate(index: slot, score: score, exact: false))
        }
        // A Latin name against Khmer-script names: only its letter-free trigrams (digits) could be shared.
        guard snap.state.latinInKM || Double(Trigrams.letterFreeWindows(of: key)) / Double(q.count) >= Trigrams.threshold else { return top }
        snap.state.namesKM.search(q, limit: limit, threshold: Trigrams.threshold, scratch: scratch) { slot, score in
            offer(Candidate(index: slot, score: score, exact: false))
        }
        return top
    }
}
