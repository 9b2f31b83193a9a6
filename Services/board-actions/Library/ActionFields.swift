import GRDB
import SendModel

/// The fields of an action a person supplies, read from a request and checked against the
/// board's data. Every bad field is collected in the validator with its JSON path.
struct ActionFields {
    var title: String?
    var description: String?
    var findingIDs: [String]?
    var leadOrganisation: String?
    var sponsoringDirector: String?
    var actionLead: String?
    var start: LocalDate?
    var due: LocalDate?
    var successCriteria: String?
    /// nil: not given; `.some(nil)`: remove the KPI (update only).
    var kpiID: String??

    /// The names of the editable fields, as on the wire.
    static let names = ["title", "description", "finding_ids", "lead_organisation", "sponsoring_director", "action_lead",
                        "start", "due", "success_criteria", "kpi_id"]

    /// Reads the fields. `existing` is nil when creating (then the required ones must be there).
    ///
    /// - `allowMatching`: also take `findings_matching` (phrases matched against the findings' theme
    ///   and summary), for plans prepared before the finding ids were known.
    /// - `kpiKey`: resolves a `kpi` key of an import file to a KPI id.
    static func read(_ v: Validator, db: Database, existing: ActionRecord?, allowMatching: Bool = false,
                     kpiKey: ((String) -> String?)? = nil) throws -> ActionFields {
        let creating = existing == nil
        var f = ActionFields()
        f.title = v.string("title", required: creating, maxLength: 200)
        if v.has("description") || creating {
            f.description = v.string("description", required: false, maxLength: 4000, allowEmpty: true) ?? ""
        }
        f.leadOrganisation = v.string("lead_organisation", required: creating, maxLength: 200)
        f.sponsoringDirector = v.string("sponsoring_director", required: creating, maxLength: 200)
        f.actionLead = v.string("action_lead", required: creating, maxLength: 200)
        f.start = v.date("start", required: creating)
        f.due = v.date("due", required: creating)
        f.successCriteria = v.string("success_criteria", required: creating, maxLength: 4000)

        // Findings: each must be known to the board and be something an action can address.
        var ids: [String] = []
        var gaveFindings = false
        if v.has("finding_ids") || (creating && !(allowMatching && v.has("findings_matching"))) {
            gaveFindings = true
            if let given = v.stringArray("finding_ids", required: true, maxLength: 64) {
                for (i, id) in given.enumerated() {
                    if let refusal = FindingsReadModel.refusal(try FindingsReadModel.finding(db, id), id: id) {
                        v.failAt("\(v.fieldPath("finding_ids"))[\(i)]", refusal)
                    } else if !ids.contains(id) {
                        ids.append(id)
                    }
                }
            }
        }
        if allowMatching && v.has("findings_matching") {
            gaveFindings = true
            if let phrases = v.stringArray("findings_matching", maxLength: 400) {
                for (i, phrase) in phrases.enumerated() {
                    let found = try FindingsReadModel.matching(db, phrase)
                    if found.isEmpty {
                        v.failAt("\(v.fieldPath("findings_matching"))[\(i)]",
                                 "no weakness the board knows has '\(phrase)' in its theme or summary")
                    }
                    for id in found where !ids.contains(id) { ids.append(id) }
                }
            }
        }
        if gaveFindings {
            if ids.isEmpty && v.errors.allSatisfy({ !$0.field.hasPrefix(v.fieldPath("finding")) }) {
                v.fail("finding_ids", "must name at least one finding the action addresses")
            }
            f.findingIDs = ids
        }

        // The KPI it moves, if any.
        if let key = v.raw("kpi").flatMap({ $0.stringValue }), let kpiKey {
            if let id = kpiKey(key) { f.kpiID = .some(id) } else { v.fail("kpi", "no KPI with key '\(key)' in this file") }
        } else if let id = v.boardID("kpi_id", BoardID.kpi, required: false) {
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM kpis WHERE kpi_id = ?", arguments: [id]) == nil {
                v.fail("kpi_id", "no KPI \(id): add it first (kpis.add)")
            } else {
                f.kpiID = .some(id)
            }
        }

        // Dates in order, against the stored ones when only one is changed.
        if let start = f.start ?? existing?.start, let due = f.due ?? existing?.due, due < start,
           f.start != nil || f.due != nil {
            v.fail(f.due != nil ? "due" : "start", "the due date \(due.iso) is before the start date \(start.iso)")
        }
        return f
    }
}
