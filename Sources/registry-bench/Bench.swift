import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The benchmark runner: measures registryd and, in the same run, a baseline (redis-benchmark against a
/// redis-server it starts on a Unix socket), and prints figures as ratios to that baseline.
///
/// `swift run -c release registry-bench` (see README). It starts its own registryd (release build,
/// embedded PostgreSQL in a temporary state folder) unless `--socket` names a running one.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "registry-bench", abstract: "registryd benchmarks against same-run baselines.")

    @Option(help: "Seconds per measurement.") var seconds: Double = 5
    @Option(help: "Use a running registryd on this socket instead of starting one.") var socket: String?
    @Option(help: "Client counts to measure.") var clients: [Int] = [1, 8]
    @Option(help: "Repetitions of each figure, ours and the baseline back to back; the median ratio is shown.") var repeats: Int = 3
    @Option(help: "Groups to measure: protocol (ping, rule.show), verify, filing, search (in-process name search).")
    var only: [String] = ["protocol", "verify", "filing", "search"]
    @Option(help: "With --socket: only send this one request line (e.g. 'verify \"Angkor Manpower\"') and print its rate, for profiling.")
    var request: String?

    func run() throws {
        if let socket, let request {
            for n in clients {
                let r = LoadClient.run(socket: socket, request: request + "\n", clients: n, seconds: seconds)
                print("\(n) client\(n == 1 ? "" : "s"): \(Int(r.perSecond))/s p50 \(Int(r.percentile(0.5))) µs p99 \(Int(r.percentile(0.99))) µs")
            }
            return
        }
        if only == ["search"] { return SearchBench.run(seconds: seconds) }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("registry-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        chmod(work, 0o755)
        var daemon: Process?
        let path: String
        if let socket {
            path = socket
        } else {
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("registryd").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--state-dir", work + "/state"]
            process.environment = ProcessInfo.processInfo.environment.merging(["REGISTRYD_LOG_LEVEL": "warning", "REGISTRYD_DEMO_LOAD": "false"]) { _, b in b }
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            daemon = process
            path = work + "/state/run/admin.sock"
            let deadline = Date().addingTimeInterval(120)
            while !FileManager.default.fileExists(atPath: path), process.isRunning, Date() < deadline { usleep(100_000) }
            guard FileManager.default.fileExists(atPath: path), process.isRunning else {
                // Said here rather than found by the load client's failed connect, which ends the runner
                // without its clean-up (a redis-server left running).
                if process.isRunning { process.terminate(); process.waitUntilExit() }
                try? FileManager.default.removeItem(atPath: work)
                throw StartFailure(description: "registryd did not start (a stale build refuses a newer schema: swift build -c release)")
            }
        }
        defer {
            if let daemon { daemon.terminate(); daemon.waitUntilExit() }
            try? FileManager.default.removeItem(atPath: work)
        }
        print("registry-bench: \(Int(seconds)) s per figure, closed loop, Unix socket; machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let redis = try RedisBaseline.start(in: work)
        defer { redis?.stop() }
        print("")
        print(pad("measurement", 36) + pad("ops/s", 9) + pad("p50 µs", 8) + pad("p99 µs", 8) + pad("redis-b.", 10)
              + pad("ratio (min–max)", 20) + pad("same-cl.", 10) + "ratio (min–max)")
        print("  redis-b.: redis-benchmark against redis-server; same-cl.: this runner's client against the same redis-server")
        if only.contains("protocol") {
        for n in clients {
            measure("ping, \(n) client\(n == 1 ? "" : "s") (vs PING)", path, "ping\n", n, redis, "ping_inline")
        }
        for n in clients {
            measure("rule.show, \(n) client\(n == 1 ? "" : "s") (vs GET)", path, "rule.show complaint.first_action_days\n", n, redis, "get")
        }
        }
        guard socket == nil else { return }
        if only.contains("search") { SearchBench.run(seconds: seconds) }
        if only.contains("filing") { try measureFilings(work: work, path: path) }
        guard only.contains("verify") else { return }
        print("")
        print("loading 10,000 agencies and 100,000 recruiters for verify …")
        try VerifyDataset.load(stateDirectory: work + "/state")
        // The dataset went in behind the daemon's back: tell its hotline index to reload, and wait until
        // a lookup finds a loaded agency (every figure below counts only correct answers).
        _ = PgBench.psql(work + "/state/pg", "NOTIFY registry_changed, 'all'")
        let probe = "verify \(VerifyDataset.sampleLicence) province=05\n"
        let loaded = Date().addingTimeInterval(60)
        while LoadClient.run(socket: path, request: probe, clients: 1, seconds: 0.05, expect: "200 OK verdict=MAY_RECRUIT").operations == 0 {
            guard Date() < loaded else { throw ValidationError("the daemon's hotline index did not load the benchmark dataset") }
            usleep(200_000)
        }
        let lookups = [("verify by name", "verify \"Bench 4711 Manpowr\" province=05 destination=TH\n"),
                       ("verify by ID card", "verify 000054321 province=05 destination=TH\n"),
                       ("verify by licence", "verify \(VerifyDataset.sampleLicence) province=05\n")]
        for (name, request) in lookups {
            for n in clients {
                measure("\(name), \(n) client\(n == 1 ? "" : "s") (vs GET)", path, request, n, redis, "get", expect: "200 OK verdict=MAY_RECRUIT")
            }
        }
    }

    /// Runs ours and the baseline back to back `repeats` times (the machine's load drifts between
    /// minutes, not within one pair) and prints the median of each figure and of the ratios.
    private func measure(_ name: String, _ path: String, _ request: String, _ n: Int, _ redis: RedisBaseline?, _ test: String,
                         expect: String? = nil) {
        _ = LoadClient.run(socket: path, request: request, clients: n, seconds: 0.5)  // warm-up
        var ours: [LoadClient.Result] = []
        var bases: [Double] = [], ratios: [Double] = []
        var same: [Double] = [], sameRatios: [Double] = []
        let redisRequest = test == "ping_inline" ? "PING\r\n" : "GET registry-bench-missing\r\n"
        for _ in 0..<max(1, repeats) {
            let r = LoadClient.run(socket: path, request: request, clients: n, seconds: seconds, expect: expect)
            ours.append(r)
            if let redis, let b = redis.benchmark(test: test, clients: n, requests: max(20_000, Int(r.perSecond * seconds))) {
                bases.append(b)
                ratios.append(r.perSecond / b)
                // The same closed-loop client against Redis: the load generator's own cost cancels out.
                let s = LoadClient.run(socket: redis.socket, request: redisRequest, clients: n, seconds: seconds, redis: true).perSecond
                same.append(s)
                sameRatios.append(r.perSecond / s)
            }
        }
        func ratio(_ xs: [Double]) -> String { xs.isEmpty ? "n/a" : String(format: "%.2f (%.2f–%.2f)", median(xs), xs.min()!, xs.max()!) }
        let mid = ours.sorted { $0.perSecond < $1.perSecond }[ours.count / 2]
        print(pad(name, 36) + pad(String(format: "%.0f", mid.perSecond), 9) + pad(String(format: "%.0f", mid.percentile(0.5)), 8)
              + pad(String(format: "%.0f", mid.percentile(0.99)), 8) + pad(bases.isEmpty ? "-" : String(format: "%.0f", median(bases)), 10)
              + pad(ratio(ratios), 20) + pad(same.isEmpty ? "-" : String(format: "%.0f", median(same)), 10) + ratio(sameRatios))
    }

    /// Durable complaint filings (idempotency key, audit entry, timers, one commit each) against
    /// pgbench running a one-INSERT-per-transaction script on the same PostgreSQL, in the same run.
    ///
    /// Two more references, both pgbench calling the filing function directly (no daemon): one filing
    /// per call from as many callers as our clients, and the database's ceiling for filings in batches
    /// when only as many filings as clients can be outstanding (a closed loop: each client waits for
    /// its reply), the best of 2 callers × 4 filings and 1 caller × 8 for 8 clients.
    private func measureFilings(work: String, path: String) throws {
        let pg = work + "/state/pg"
        let script = work + "/insert.sql"
        try "INSERT INTO bench_insert (payload) VALUES ('complaint');\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o644)
        _ = PgBench.psql(pg, "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, payload text NOT NULL)")
        func batchScript(_ filings: Int) throws -> String {
            let file = work + "/file_complaints_\(filings).sql"
            try FilingScript.text(filings: filings).write(toFile: file, atomically: true, encoding: .utf8)
            chmod(file, 0o644)
            return file
        }
        let single = try batchScript(1)
        let splits = try [(2, 4), (1, 8)].map { (callers: $0.0, filings: $0.1, script: try batchScript($0.1)) }
        print("")
        print(pad("measurement", 36) + pad("ops/s", 9) + pad("p50 µs", 8) + pad("p99 µs", 8) + pad("pgbench", 10) + pad("ratio (min–max)", 20)
              + pad("fn ×1", 8) + pad("ratio", 7) + pad("fn ceiling", 12) + "ceiling/INSERT")
        print("  pgbench: one INSERT per transaction, same cluster (synchronous_commit on); fn ×1: pgbench calling registry.file_complaints,")
        print("  one filing per call, as many callers as clients; fn ceiling: filings/s of that function in batches with no more filings")
        print("  outstanding than clients (best of 2 callers × 4 and 1 × 8 for 8 clients), the most a closed loop can get from the database")
        let request = "complaint.file channel=hotline province=12 level=L1 respondent=unknown categories=fee_overcharge --idempotency-key=bench-{n} <<\n"
            + "complainant sex=F age=25-34 paid=195 claimed=195 holds=id_card\n\n"
        for n in clients {
            _ = LoadClient.run(socket: path, request: request, clients: n, seconds: 0.5, expect: "201")
            var ours: [LoadClient.Result] = [], ratios: [Double] = [], bases: [Double] = [], fn: [Double] = [], fnRatios: [Double] = []
            var ceilings: [Double] = [], ceilingRatios: [Double] = []
            for _ in 0..<max(1, repeats) {
                let r = LoadClient.run(socket: path, request: request, clients: n, seconds: seconds, expect: "201")
                ours.append(r)
                let base = PgBench.run(pg, script: script, clients: n, seconds: Int(max(1, seconds)))
                if let b = base {
                    bases.append(b)
                    ratios.append(r.perSecond / b)
                }
                if let f = PgBench.run(pg, script: single, clients: n, seconds: Int(max(1, seconds)), prepared: true) {
                    fn.append(f)
                    fnRatios.append(r.perSecond / f)
                }
                if n == 8 {
                    let best = splits.compactMap { split in
                        PgBench.run(pg, script: split.script, clients: split.callers, seconds: Int(max(1, seconds)), prepared: true)
                            .map { $0 * Double(split.filings) }
                    }.max()
                    if let best {
                        ceilings.append(best)
                        if let b = base { ceilingRatios.append(best / b) }
                    }
                }
            }
            let mid = ours.sorted { $0.perSecond < $1.perSecond }[ours.count / 2]
            print(pad("complaint.file, \(n) client\(n == 1 ? "" : "s") (vs INSERT)", 36) + pad(String(format: "%.0f", mid.perSecond), 9)
                  + pad(String(format: "%.0f", mid.percentile(0.5)), 8) + pad(String(format: "%.0f", mid.percentile(0.99)), 8)
                  + pad(bases.isEmpty ? "-" : String(format: "%.0f", median(bases)), 10)
                  + pad(ratios.isEmpty ? "n/a" : String(format: "%.2f (%.2f–%.2f)", median(ratios), ratios.min()!, ratios.max()!), 20)
                  + pad(fn.isEmpty ? "-" : String(format: "%.0f", median(fn)), 8)
                  + pad(fnRatios.isEmpty ? "n/a" : String(format: "%.2f", median(fnRatios)), 7)
                  + pad(ceilings.isEmpty ? "-" : String(format: "%.0f", median(ceilings)), 12)
                  + (ceilingRatios.isEmpty ? "-" : String(format: "%.2f (%.2f–%.2f)", median(ceilingRatios), ceilingRatios.min()!, ceilingRatios.max()!)))
        }
        try measureStatusLookups(work: work, path: path)
    }

    /// The public status lookup by tracking reference (`complaint.status`, one statement through
    /// PostgreSQL) of a case filed above, against pgbench selecting one row by primary key per
    /// transaction on the same cluster, in the same run.
    private func measureStatusLookups(work: String, path: String) throws {
        let pg = work + "/state/pg"
        guard let reference = PgBench.value(pg, "SELECT reference FROM registry.complaints ORDER BY id LIMIT 1"), !reference.isEmpty else {
            print("no filed case to look up: status lookups not measured")
            return
        }
        _ = PgBench.psql(pg, "INSERT INTO bench_insert (payload) VALUES ('status')")
        guard let row = PgBench.value(pg, "SELECT min(id) FROM bench_insert"), let id = Int(row) else {
            print("pgbench's table is missing: status lookups not measured")
            return
        }
        let script = work + "/select.sql"
        try "SELECT payload FROM bench_insert WHERE id = \(id);\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o644)
        print("  pgbench SELECT: one SELECT of a row by primary key per transaction, same cluster")
        let request = "complaint.status \(reference)\n"
        for n in clients {
            _ = LoadClient.run(socket: path, request: request, clients: n, seconds: 0.5, expect: "200 OK")
            var ours: [LoadClient.Result] = [], bases: [Double] = [], ratios: [Double] = []
            for _ in 0..<max(1, repeats) {
                let r = LoadClient.run(socket: path, request: request, clients: n, seconds: seconds, expect: "200 OK")
                ours.append(r)
                if let b = PgBench.run(pg, script: script, clients: n, seconds: Int(max(1, seconds))) {
                    bases.append(b)
                    ratios.append(r.perSecond / b)
                }
            }
            let mid = ours.sorted { $0.perSecond < $1.perSecond }[ours.count / 2]
            print(pad("complaint.status, \(n) client\(n == 1 ? "" : "s") (vs SELECT)", 36) + pad(String(format: "%.0f", mid.perSecond), 9)
                  + pad(String(format: "%.0f", mid.percentile(0.5)), 8) + pad(String(format: "%.0f", mid.percentile(0.99)), 8)
                  + pad(bases.isEmpty ? "-" : String(format: "%.0f", median(bases)), 10)
                  + (ratios.isEmpty ? "n/a" : String(format: "%.2f (%.2f–%.2f)", median(ratios), ratios.min()!, ratios.max()!)))
        }
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}

/// A redis-server on a Unix socket in the work folder, measured with redis-benchmark.
struct RedisBaseline {
    let process: Process
    let socket: String

    static func start(in dir: String) throws -> RedisBaseline? {
        guard let server = which("redis-server"), which("redis-benchmark") != nil else {
            print("redis-server/redis-benchmark not installed (apt-get install redis-server redis-tools): no baseline")
            return nil
        }
        let socket = dir + "/redis.sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: server)
        process.arguments = ["--port", "0", "--unixsocket", socket, "--save", "", "--appendonly", "no", "--dir", dir]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket), Date() < deadline { usleep(50_000) }
        return RedisBaseline(process: process, socket: socket)
    }

    func benchmark(test: String, clients: Int, requests: Int) -> Double? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: which("redis-benchmark")!)
        p.arguments = ["-s", socket, "-t", test, "-c", String(clients), "-n", String(requests), "-q"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try? p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // "PING_INLINE: 41000.00 requests per second, p50=…"
        for line in out.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) where line.contains("requests per second") {
            let parts = line.split(separator: " ")
            if let i = parts.firstIndex(where: { $0.hasPrefix("requests") }), i > 0, let v = Double(parts[i - 1]) { return v }
        }
        return nil
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// The middle value of `xs` (the upper one of the two middles for an even count); `xs` not empty.
func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") + ["/usr/bin", "/usr/sbin"]
    where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
        return "\(dir)/\(name)"
    }
    return nil
}

/// PostgreSQL's own pgbench and psql against the daemon's embedded cluster (as its OS owner when root).
enum PgBench {
    static let bin = ["/usr/lib/postgresql/15/bin", "/usr/bin"].first { FileManager.default.isExecutableFile(atPath: $0 + "/pgbench") }

    static func command(_ tool: String, _ args: [String]) -> (String, [String]) {
        let exe = (bin ?? "/usr/bin") + "/" + tool
        return getuid() == 0 ? ("/usr/sbin/runuser", ["-u", "postgres", "--", exe] + args) : (exe, args)
    }

    static func capture(_ tool: String, _ args: [String]) -> String? {
        let (exe, argv) = command(tool, args)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = argv
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        guard (try? p.run()) != nil else { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return p.terminationStatus == 0 ? text : nil
    }

    @discardableResult
    static func psql(_ host: String, _ sql: String) -> String? {
        capture("psql", ["-X", "-q", "-h", host, "-U", "postgres", "-d", "registry", "-c", sql])
    }

    /// The first column of the first row of `sql`'s result, or nil.
    static func value(_ host: String, _ sql: String) -> String? {
        capture("psql", ["-X", "-q", "-A", "-t", "-h", host, "-U", "postgres", "-d", "registry", "-c", sql])?
            .split(separator: "\n").first.map(String.init)
    }

    /// Transactions per second (without connection time), or nil when pgbench is missing or failed.
    /// With `prepared`, statements are parsed and planned once per connection (`-M prepared`), as the
    /// daemon's cached plans are.
    static func run(_ host: String, script: String, clients: Int, seconds: Int, prepared: Bool = false) -> Double? {
        guard bin != nil, let out = capture("pgbench", ["-n", "-h", host, "-U", "postgres", "-c", String(clients), "-j", String(clients),
                                                         "-T", String(seconds)] + (prepared ? ["-M", "prepared"] : [])
                                                         + ["-f", script, "registry"]) else { return nil }
        for line in out.split(separator: "\n") where line.hasPrefix("tps = ") {
            return Double(line.dropFirst(6).split(separator: " ")[0])
        }
        return nil
    }
}

/// The daemon under test did not come up; said without the usage text a validation error prints.
struct StartFailure: Error, CustomStringConvertible {
    let description: String
}
