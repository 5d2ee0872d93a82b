import Foundation
import LoupeSupport

/// What decoding one model's messages shares: the file's name for errors, the memory budget
/// with the bytes its tensors claimed so far, and the files its external tensors are in.
final class DecodingContext {
    /// How errors name the model file.
    let source: String
    let budget: MemoryBudget
    /// The model's folder's data files, or nil when the model was given as bytes alone.
    let externalData: ExternalDataFiles?
    /// The bytes of the tensors decoded so far, all of which must fit the budget together.
    private(set) var claimedBytes = 0

    init(source: String, budget: MemoryBudget, externalDataFolder: URL?) {
        self.source = source
        self.budget = budget
        self.externalData = externalDataFolder.map { ExternalDataFiles(folder: $0, source: source) }
    }

    /// An error about this model.
    func error(_ problem: String, isSizeLimit: Bool = false) -> ONNXError {
        ONNXError(source, problem, isSizeLimit: isSizeLimit)
    }

    /// Adds `bytes` for `what` to the model's total, refusing it when the total would exceed
    /// the budget (before anything of that size is allocated).
    func claim(_ bytes: Int, for what: String) throws(ONNXError) {
        guard let total = CheckedSize.sum([claimedBytes, bytes]), total <= budget.bytes else {
            throw error(
                "\(what) needs \(MemoryBudget.describe(bytes)), which with the tensors before it is over the memory budget of \(MemoryBudget.describe(budget.bytes)) (set LOUPE_MEMORY_BUDGET to raise it)",
                isSizeLimit: true)
        }
        claimedBytes = total
    }
}
