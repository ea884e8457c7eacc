import AdminProtocol
import Logging
import RegistryStore

/// Maps failures to replies. Unknown errors become `451 TEMPFAIL ref=…`; detail goes to the log only.
enum ErrorReply {
    static func reply(for error: any Error, command: String, logger: Logger) -> Reply {
        if let reply = error as? ReplyError { return reply.reply }
        switch StoreError.from(error) {
        case .notFound(let kind, let id):
            return Reply.final(.notFound, Field("kind", kind), Field("id", Reply.echo(id)))
        case .conflict(let what):
            return Reply.final(.conflict, Field("constraint", what), msg: "already exists or conflicts")
        case .invalidValue(let field):
            return Reply.final(.invalidValue, Field("field", field))
        case .busy:
            return Reply.final(.busy, Field("retry_after", "1s"))
        case .timeout:
            return Reply.final(.timeout, msg: "command deadline exceeded; nothing committed")
        case .unavailable:
            let ref = newRef()
            logger.warning("database unavailable", metadata: ["ref": "\(ref)", "command": "\(command)"])
            return Reply.final(.tempfail, Field("ref", ref), msg: "database unavailable, retry")
        case .permissionDenied:
            let ref = newRef()
            logger.error("database refused a privilege the dispatcher allowed", metadata: ["ref": "\(ref)", "command": "\(command)"])
            return Reply.final(.permissionDenied, Field("ref", ref))
        case .refused(let rule, let message):
            return Reply.final(.refused, Field("rule", rule), msg: message)
        case .invalidState(let state, let rule):
            return Reply.final(.invalidState, Field("state", state), Field("rule", rule))
        case .internalError(let detail):
            let ref = newRef()
            logger.error("internal error", metadata: ["ref": "\(ref)", "command": "\(command)", "detail": "\(detail)"])
            return Reply.final(.tempfail, Field("ref", ref), msg: "internal error")
        }
    }

    static func newRef() -> String {
        String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }
}

/// A handler's deliberate refusal with a ready reply (validation, not-found, invalid state…).
struct ReplyError: Error {
    var reply: Reply
    init(_ reply: Reply) { self.reply = reply }
}
