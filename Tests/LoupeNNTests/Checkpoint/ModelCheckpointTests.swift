import Foundation
import LoupeSupport
import LoupeTensor
import XCTest

@testable import LoupeNN

/// Checkpoints whose metadata lies are refused with one line naming the file and the field;
/// a checkpoint is never written with NaN or infinite weights.
final class ModelCheckpointTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-ckpt-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    /// A valid checkpoint of a tiny mlp, rewritten with `edit` applied to its archive.
    func checkpoint(named name: String, edit: (inout SafeTensorsArchive) -> Void) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let model = try Model(
            architecture: .builtin("mlp", inputShape: [1, 2, 2], classes: 2, hiddenWidths: [3])!, seed: 1)
        try ModelCheckpoint(model: model, epoch: 1, step: 4).write(to: url)
        var archive = try SafeTensorsArchive(contentsOf: url)
        edit(&archive)
        try archive.write(to: url)
        return url
    }

    func error(_ url: URL) -> String {
        do {
            _ = try ModelCheckpoint(contentsOf: url)
            return "no error"
        } catch { return "\(error)" }
    }

    func testEpochAndStepMustBeWholeNumbersAtLeastZero() throws {
        for (field, value) in [("epoch", "abc"), ("epoch", "-1"), ("step", "-3"), ("step", "1e3"), ("epoch", " 2")] {
            let url = try checkpoint(named: "\(field).safetensors") { $0.metadata[field] = value }
            let text = error(url)
            XCTAssertTrue(text.hasPrefix(url.path + ": metadata '\(field)' must be a whole number >= 0"), text)
        }
        let valid = try ModelCheckpoint(contentsOf: try checkpoint(named: "ok.safetensors") { _ in })
        XCTAssertEqual([valid.epoch, valid.step], [1, 4])
    }

    /// A tensor the architecture has no place for (fc4.weight in a two-layer mlp) means the
    /// file and its metadata do not match: it was ignored.
    func testATensorTheArchitectureLacksIsRefused() throws {
        let url = try checkpoint(named: "extra.safetensors") { archive in
            archive.setTensor(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), named: "fc4.weight")
        }
        XCTAssertEqual(
            error(url),
            url.path + ": tensor fc4.weight is not a parameter or buffer of the architecture in its metadata")
    }

    /// A population's quantized member names its architecture and scheme only: it was "not
    /// valid JSON"; it is a deployment file, which the message now says.
    func testAQuantizedDeploymentFileIsNamedAsOne() throws {
        let url = try checkpoint(named: "int8.safetensors") { archive in
            archive.metadata = ["scheme": "int8-full", "architecture": "mlp"]
        }
        XCTAssertEqual(
            error(url),
            url.path
                + #": a quantized model (scheme "int8-full") written for deployment, not a checkpoint; give the checkpoint it was made from"#
        )
    }

    /// Metadata claiming an input of [1, 2^62, 8] is refused before anything is sized by it.
    func testLyingInputShapeInTheMetadataIsRefused() throws {
        let url = try checkpoint(named: "lying.safetensors") { archive in
            archive.metadata["architecture"] = archive.metadata["architecture"]!.replacingOccurrences(
                of: #""inputShape":[1,2,2]"#, with: #""inputShape":[1,4611686018427387904,8]"#)
        }
        let text = error(url)
        XCTAssertTrue(text.hasPrefix(url.path + ": architecture in metadata: "), text)
        XCTAssertTrue(text.contains("4611686018427387904"), text)
    }

    /// A training configuration that could not have trained is refused with the setting;
    /// one that is not valid JSON names the field.
    func testLyingTrainingConfigurationInTheMetadataIsRefused() throws {
        var training = TrainingConfiguration()
        training.batchSize = 0
        let json = String(decoding: try JSONEncoder().encode(training), as: UTF8.self)
        let url = try checkpoint(named: "batch.safetensors") { $0.metadata["training"] = json }
        XCTAssertEqual(
            error(url), url.path + ": training configuration in metadata: batch size must be positive, got 0")
        let typed = try checkpoint(named: "typed.safetensors") {
            $0.metadata["training"] = json.replacingOccurrences(of: #""batchSize":0"#, with: #""batchSize":"many""#)
        }
        XCTAssertTrue(
            error(typed).hasPrefix(
                typed.path + ": invalid training configuration in metadata: expected Int at batchSize"), error(typed))
    }

    /// A checkpoint tagged with another format is refused, not read as if it were this one.
    func testAnUnknownFormatTagIsRefused() throws {
        let url = try checkpoint(named: "future.safetensors") { $0.metadata["format"] = "loupe-checkpoint-3" }
        XCTAssertEqual(
            error(url),
            url.path
                + #": metadata 'format' is "loupe-checkpoint-3", this Loupe reads loupe-checkpoint-1 and loupe-checkpoint-2"#
        )
    }

    func testWeightsThatAreNotFiniteAreNeverWritten() throws {
        var model = try Model(
            architecture: .builtin("mlp", inputShape: [1, 2, 2], classes: 2, hiddenWidths: [3])!, seed: 1)
        model.parameters["fc2.bias"]!.scalars[0] = .nan
        let url = directory.appendingPathComponent("nan.safetensors")
        XCTAssertThrowsError(try ModelCheckpoint(model: model).write(to: url)) { error in
            XCTAssertEqual("\(error)", url.path + ": tensor fc2.bias contains NaN or infinity; not written")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))

        let clean = try Model(architecture: model.architecture, seed: 1)
        let state = ["state.0.momentum_buffer": Tensor(repeating: .infinity, shape: [3, 4])]
        XCTAssertThrowsError(try ModelCheckpoint(model: clean, optimizerState: state).write(to: url)) { error in
            XCTAssertTrue("\(error)".contains("optimizer.state.0.momentum_buffer"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
