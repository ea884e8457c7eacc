/// A reply's three-digit code and its UPPER_SNAKE status token (design-anchors §2.4.8).
///
/// First digit as in SMTP: 2 done, 4 transient (the same command may succeed later), 5 permanent.
/// Second digit: x0 syntax, x1 information, x2 connection, x3 authentication/authorisation, x5 domain.
/// Scripts match on the token; the code's class drives `registryctl`'s exit status.
public struct ReplyCode: Hashable, Sendable, CustomStringConvertible {
    public let code: Int
    public let status: String

    public init(_ code: Int, _ status: String) {
        self.code = code
        self.status = status
    }

    public var description: String { "\(code) \(status)" }
    /// 2xx.
    public var isSuccess: Bool { code / 100 == 2 }
    /// 4xx: retrying the same command may succeed.
    public var isTransient: Bool { code / 100 == 4 }
    /// 5xx.
    public var isPermanent: Bool { code / 100 == 5 }

    public static let ok = ReplyCode(200, "OK")
    public static let created = ReplyCode(201, "CREATED")
    public static let accepted = ReplyCode(202, "ACCEPTED")
    public static let status = ReplyCode(211, "STATUS")
    public static let help = ReplyCode(214, "HELP")
    public static let bye = ReplyCode(221, "BYE")
    public static let closing = ReplyCode(421, "CLOSING")
    public static let busy = ReplyCode(450, "BUSY")
    public static let tempfail = ReplyCode(451, "TEMPFAIL")
    public static let limit = ReplyCode(452, "LIMIT")
    public static let timeout = ReplyCode(453, "TIMEOUT")
    public static let syntax = ReplyCode(500, "SYNTAX")
    public static let unknownCommand = ReplyCode(500, "UNKNOWN_COMMAND")
    public static let badArguments = ReplyCode(501, "BAD_ARGUMENTS")
    public static let notImplemented = ReplyCode(502, "NOT_IMPLEMENTED")
    public static let badSequence = ReplyCode(503, "BAD_SEQUENCE")
    public static let authRequired = ReplyCode(530, "AUTH_REQUIRED")
    public static let authFailed = ReplyCode(535, "AUTH_FAILED")
    public static let permissionDenied = ReplyCode(537, "PERMISSION_DENIED")
    public static let notFound = ReplyCode(550, "NOT_FOUND")
    public static let invalidState = ReplyCode(551, "INVALID_STATE")
    public static let conflict = ReplyCode(552, "CONFLICT")
    public static let invalidValue = ReplyCode(553, "INVALID_VALUE")
    public static let refused = ReplyCode(554, "REFUSED")

    /// Every code of protocol v1, for documentation and conformance tests.
    public static let all: [ReplyCode] = [
        .ok, .created, .accepted, .status, .help, .bye, .closing, .busy, .tempfail, .limit, .timeout, .syntax,
        .unknownCommand, .badArguments, .notImplemented, .badSequence, .authRequired, .authFailed,
        .permissionDenied, .notFound, .invalidState, .conflict, .invalidValue, .refused,
    ]

    /// sysexits-style exit status for wrapper scripts (§2.4.8).
    public var exitStatus: Int32 {
        switch code {
        case 200..<300: return 0
        case 400..<500: return 75  // EX_TEMPFAIL
        case 500...503: return 64  // EX_USAGE
        case 530, 535, 537: return 77  // EX_NOPERM
        case 550: return 68  // EX_NOHOST, Dovecot's NOTFOUND
        case 551...554: return 65  // EX_DATAERR
        default: return 76  // EX_PROTOCOL
        }
    }
}
