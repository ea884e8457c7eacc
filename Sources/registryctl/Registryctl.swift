import AdminProtocol
import ArgumentParser
import Foundation
import LineGrammar

#if canImport(Glibc)
import Glibc
#endif

/// registryctl: the bundled client of registryd's admin socket.
///
/// One-shot: `registryctl agency.show A-0012` prints the reply and exits with a status from its code
/// (0 for 2xx, 75 for 4xx, 64/65/68/77 for 5xx families, 69 when the daemon cannot be reached).
/// Interactive (no command, on a terminal): a prompt with line editing and history.
/// Batch (no command, standard input not a terminal): sends every line, prints every reply.
@main
struct Registryctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registryctl",
        abstract: "Client for registryd's admin socket.",
        discussion: "Examples:\n  registryctl rule.show complaint.first_action_days\n  registryctl --json staff.list\n  registryctl   (interactive)")

    @Option(help: "Socket path (default: $REGISTRYD_SOCKET, else ./state/run/admin.sock).")
    var socket: String?

    @Flag(help: "Ask for one JSON object per reply.")
    var json = false

    @Argument(parsing: .captureForPassthrough, help: "A command and its arguments.")
    var command: [String] = []

    func run() throws {
        let path = socket ?? ProcessInfo.processInfo.environment["REGISTRYD_SOCKET"] ?? "state/run/admin.sock"
        let connection: AdminSocket
        do {
            connection = try AdminSocket(path: path)
        } catch {
            FileHandle.standardError.write(Data("registryctl: \(error)\n".utf8))
            throw ExitCode(69)
        }
        if json { try connection.send("format json\n"); _ = try connection.readReply() }
        if !command.isEmpty {
            try connection.send(Self.line(for: command) + "\n")
            connection.finishSending()
            guard let (lines, code) = try connection.readReply() else { throw ExitCode(76) }
            for line in lines { print(line) }
            throw ExitCode(ReplyCode(code, "").exitStatus)
        }
        if isatty(STDIN_FILENO) == 1 {
            try interactive(connection)
        } else {
            try batch(connection)
        }
    }

    /// Renders argv words as one request line: `key=value` and `--key=value` keep their shape, values are
    /// quoted by the protocol's own quoter, so names with spaces or Khmer need no shell gymnastics.
    static func line(for words: [String]) -> String {
        guard let name = words.first else { return "" }
        let rest = words.dropFirst().map { word -> String in
            if word.hasPrefix("--") {
                guard let eq = word.firstIndex(of: "=") else { return word }
                return String(word[..<eq]) + "=" + Quoter.quote(String(word[word.index(after: eq)...]))
            }
            if let eq = word.firstIndex(of: "="), CharacterClass.isFieldKey(Array(word[..<eq].utf8)) {
                return String(word[..<eq]) + "=" + Quoter.quote(String(word[word.index(after: eq)...]))
            }
            return Quoter.quote(word)
        }
        return ([name] + rest).joined(separator: " ")
    }

    private func interactive(_ connection: AdminSocket) throws {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "."
        let editor = LineEditor(historyPath: home + "/.registryctl_history")
        print("registryctl: connected; type help, quit to leave.")
        while let line = editor.readLine(prompt: "registryd> ") {
            var request = line
            if let marker = heredocMarker(line) {
                while let more = editor.readLine(prompt: "+ ") {
                    request += "\n" + more
                    if marker.isTerminator(more[...]) { break }
                }
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            try connection.send(request + "\n")
            guard let (lines, code) = try connection.readReply() else { print("connection closed"); return }
            for l in lines { print(l) }
            if code == 221 || code == 421 { return }
        }
    }

    private func heredocMarker(_ line: String) -> HeredocMarker? {
        guard let parsed = try? Tokenizer.tokenize(Array(line.utf8)) else { return nil }
        return parsed.heredoc
    }

    private func batch(_ connection: AdminSocket) throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        try connection.send(String(decoding: input, as: UTF8.self))
        connection.finishSending()
        var last = 0
        while let (lines, code) = try connection.readReply() {
            for l in lines { print(l) }
            last = code
        }
        throw ExitCode(ReplyCode(last, "").exitStatus)
    }
}
