/// Why a line could not be tokenized. `offset` is the byte offset of the offending byte in the line.
public struct TokenizeError: Error, Hashable, Sendable {
    /// Stable reason tokens, reported as `reason=` in `500 SYNTAX` replies.
    public enum Reason: String, Sendable {
        case invalidUTF8 = "invalid_utf8"
        case forbiddenCharacter = "forbidden_character"
        case bareCarriageReturn = "bare_cr"
        case unclosedQuote = "unclosed_quote"
        case badEscape = "bad_escape"
        case quoteNotAtTokenEnd = "glued_quote"
        case quoteInsideBareToken = "quote_in_bare_token"
        case backslashOutsideQuotes = "backslash_outside_quotes"
        case badKey = "bad_key"
        case badCommandName = "bad_command_name"
        case heredocNotLast = "heredoc_not_last"
        case badHeredocMarker = "bad_heredoc_marker"
        case emptyOption = "empty_option"
    }

    public var reason: Reason
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }
}
