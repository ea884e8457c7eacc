import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A small line editor for the interactive mode: cursor keys, Home/End (Ctrl-A/E), Ctrl-U, Ctrl-W,
/// history with up/down, persisted to a file.
///
/// Written here rather than linking readline (GPL) or libedit (its headers are not on a stock machine, and
/// no Swift line-editing package is in the package mirror); a terminal prompt needs little more than this.
final class LineEditor {
    private var history: [String] = []
    private let historyPath: String
    private let maxHistory = 1000

    init(historyPath: String) {
        self.historyPath = historyPath
        if let text = try? String(contentsOfFile: historyPath, encoding: .utf8) {
            history = text.split(separator: "\n").map(String.init).suffix(maxHistory)
        }
    }

    /// Reads one line; nil at end of input (Ctrl-D on an empty line).
    func readLine(prompt: String) -> String? {
        guard isatty(STDIN_FILENO) == 1 else {
            return Swift.readLine(strippingNewline: true)
        }
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var raw = original
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)
        defer { tcsetattr(STDIN_FILENO, TCSAFLUSH, &original) }

        var line: [Character] = []
        var cursor = 0
        var index = history.count
        var pendingUTF8: [UInt8] = []
        func redraw() {
            let after = line.count - cursor
            var out = "\r" + prompt + String(line) + "\u{1B}[K"
            if after > 0 { out += "\u{1B}[\(after)D" }
            emit(out)
        }
        emit(prompt)
        while true {
            guard let byte = readByte() else { return line.isEmpty ? nil : String(line) }
            switch byte {
            case 0x0D, 0x0A:
                emit("\r\n")
                let text = String(line)
                remember(text)
                return text
            case 0x04:
                if line.isEmpty { emit("\r\n"); return nil }
            case 0x03:
                line.removeAll(); cursor = 0; emit("^C\r\n" + prompt)
            case 0x7F, 0x08:
                if cursor > 0 { line.remove(at: cursor - 1); cursor -= 1; redraw() }
            case 0x01: cursor = 0; redraw()
            case 0x05: cursor = line.count; redraw()
            case 0x15: line.removeFirst(cursor); cursor = 0; redraw()
            case 0x17:
                var start = cursor
                while start > 0, line[start - 1] == " " { start -= 1 }
                while start > 0, line[start - 1] != " " { start -= 1 }
                line.removeSubrange(start..<cursor); cursor = start; redraw()
            case 0x1B:
                guard readByte() == 0x5B, let key = readByte() else { continue }
                switch key {
                case 0x41 where index > 0:  // up
                    index -= 1; line = Array(history[index]); cursor = line.count; redraw()
                case 0x42 where index < history.count:  // down
                    index += 1; line = index < history.count ? Array(history[index]) : []; cursor = line.count; redraw()
                case 0x43 where cursor < line.count: cursor += 1; redraw()
                case 0x44 where cursor > 0: cursor -= 1; redraw()
                case 0x48: cursor = 0; redraw()
                case 0x46: cursor = line.count; redraw()
                case 0x33: _ = readByte(); if cursor < line.count { line.remove(at: cursor); redraw() }
                default: break
                }
            default:
                guard byte >= 0x20 else { continue }
                pendingUTF8.append(byte)
                let text = String(decoding: pendingUTF8, as: UTF8.self)
                if text.unicodeScalars.contains("\u{FFFD}"), pendingUTF8.count < 4 { continue }
                pendingUTF8.removeAll()
                for ch in text { line.insert(ch, at: cursor); cursor += 1 }
                redraw()
            }
        }
    }

    private func remember(_ text: String) {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty, history.last != text else { return }
        history.append(text)
        if history.count > maxHistory { history.removeFirst(history.count - maxHistory) }
        if let handle = FileHandle(forWritingAtPath: historyPath) ?? createHistory() {
            handle.seekToEndOfFile()
            handle.write(Data((text + "\n").utf8))
            try? handle.close()
        }
    }

    private func createHistory() -> FileHandle? {
        _ = FileManager.default.createFile(atPath: historyPath, contents: nil, attributes: [.posixPermissions: 0o600])
        return FileHandle(forWritingAtPath: historyPath)
    }

    private func readByte() -> UInt8? {
        var byte: UInt8 = 0
        return read(STDIN_FILENO, &byte, 1) == 1 ? byte : nil
    }

    private func emit(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
