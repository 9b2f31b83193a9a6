import SendModel

/// What an action lead may do beyond `Access.table` (docs/PROTOCOL.md, "Keys, people and roles"):
/// the status, progress and exceptions commentary of the actions their organisation leads, and
/// nothing else of them. Every other role has been checked by `Access` before a handler runs.
enum ActionLeadScope {
    /// Refuses an action lead an action that another organisation leads (compared without regard
    /// to case or surrounding spaces). Nothing for every other role.
    static func check(_ actor: Actor, _ action: ActionRecord) throws(ServiceError) {
        guard actor.role == .actionLead else { return }
        guard let organisation = actor.organisation, !organisation.trimmingSpaces.isEmpty else {
            throw ServiceError(.forbidden, "your key (\(actor.person)) is an action lead with no organisation in the register; "
                + "ask an operator to register it with the organisation whose actions you report on")
        }
        if same(organisation, action.leadOrganisation) { return }
        throw ServiceError(.forbidden, "\(action.id) is led by \(action.leadOrganisation); "
            + "your key (\(actor.person)) is an action lead for \(organisation.trimmingSpaces)")
    }

    /// Refuses an action lead every field of `actions.update` but `status` (and its `reason`).
    static func checkFields(_ actor: Actor, _ args: JSONValue) throws(ServiceError) {
        guard actor.role == .actionLead else { return }
        let given = ActionFields.names.filter { args[$0] != nil }
        guard let first = given.first else { return }
        let fields = given.count == 1 ? first : given.dropLast().joined(separator: ", ") + " and " + given.last!
        throw ServiceError(.forbidden, "\(fields): only the board chair may change \(given.count == 1 ? "it" : "them"); "
            + "your key (\(actor.person)) is an action lead, who may change only the status", field: first)
    }

    static func same(_ a: String, _ b: String) -> Bool {
        a.trimmingSpaces.lowercased() == b.trimmingSpaces.lowercased()
    }
}
