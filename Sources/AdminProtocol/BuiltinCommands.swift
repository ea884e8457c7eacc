/// The session built-ins every listener offers; their behaviour lives in `SessionStateMachine`.
public enum BuiltinCommands {
    public static let specs: [CommandSpec] = [
        CommandSpec("hello", summary: "protocol and server version, who you are, listener and limits",
                    capability: nil, flags: [.noAuth, .session], shape: .none),
        CommandSpec("ping", summary: "liveness check; answers 211 STATUS msg=pong",
                    capability: nil, flags: [.noAuth, .session]),
        CommandSpec("help", summary: "list the commands you may run, or describe one",
                    positionals: [ParameterSpec("command", .identifier, "a command name")],
                    capability: nil, flags: [.noAuth, .session], shape: .text),
        CommandSpec("quit", summary: "close the connection (221 BYE)", capability: nil, flags: [.noAuth, .session]),
        CommandSpec("prompt", summary: "toggle prompt mode for people typing: '> ' after replies, '+ ' in a payload",
                    capability: nil, flags: [.noAuth, .session]),
        CommandSpec("format", summary: "reply format for this session: text or json (one JSON object per reply)",
                    positionals: [ParameterSpec("format", .oneOf(["text", "json"]), required: true)],
                    capability: nil, flags: [.noAuth, .session]),
    ]
}
