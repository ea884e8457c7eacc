import AdminProtocol
import Foundation
import RegistryDomain
import RegistryStore

/// The guarantee-deposit ledger (SD-5, PRA-12, §12.3): lodgements, draws and top-ups. A draw that leaves
/// the balance below `deposit.required_usd` arms the top-up timer; when it fires without a top-up the
/// licence is suspended until compliant.
enum DepositCommands {
    static let all: [Command] = [entry("deposit.lodge", "lodgement", "lodge the guarantee deposit (or part of it)"),
                                 entry("deposit.topup", "topup", "top the deposit up after a draw"),
                                 entry("deposit.draw", "draw", "record a draw on the deposit"),
                                 show]

    static func entry(_ name: String, _ kind: String, _ summary: String) -> Command {
        Command(CommandSpec(
            name, summary: summary, positionals: [ParameterSpec("agency", .identifier, required: true)],
            fields: [ParameterSpec("amount_usd", .integer(1...100_000_000), required: true), ParameterSpec("reference", .text, "bank reference")],
            capability: Capability.licenceDecide.rawValue, flags: [.mutating], shape: .none
        )) { inv, ctx in
            let agency = inv.positionals[0]
            let required = Decimal(ctx.services.rulebook.integer("deposit.required_usd") ?? 0)
            let topupDays = ctx.services.rulebook.integer("deposit.topup_deadline_days") ?? 0
            return try await ctx.mutate(inv) { tx in
                try await RegistryHelpers.requireAgency(tx, agency)
                try await tx.addDepositEntry(agencyID: agency, kind: kind, amount: inv.field("amount_usd")!, reference: inv.field("reference") ?? "")
                let balance = try await tx.depositBalance(agencyID: agency)
                var fields = [Field("agency", agency), Field("balance_usd", "\(balance)"), Field("required_usd", "\(required)")]
                if let licence = try await tx.liveLicence(agencyID: agency) {
                    if balance < required, kind == "draw" {
                        let due = try await tx.today().adding(days: topupDays)
                        try await tx.armTimer(kind: LicenceMachine.TimerKind.depositTopup.rawValue, subject: licence.number, due: due, rule: "PRA-12")
                        fields += [Field("topup_due", due.description), Field("rule", "PRA-12")]
                    } else if balance >= required {
                        try await tx.cancelTimer(kind: LicenceMachine.TimerKind.depositTopup.rawValue, subject: licence.number)
                    }
                }
                return MutationResult(Reply(.ok, fields: fields), detail: agency)
            }
        }
    }

    static let show = Command(CommandSpec(
        "deposit.show", summary: "deposit balance against the required amount",
        positionals: [ParameterSpec("agency", .identifier, required: true)],
        capability: Capability.agencyRead.rawValue, shape: .record
    )) { inv, ctx in
        let agency = inv.positionals[0]
        let required = ctx.services.rulebook.integer("deposit.required_usd") ?? 0
        let balance = try await ctx.read { tx in try await tx.depositBalance(agencyID: agency) }
        return Reply(.ok, data: .record([Field("agency", agency), Field("balance_usd", "\(balance)"), Field("required_usd", String(required)),
                                          Field("basis", "SD-5")]))
    }
}
