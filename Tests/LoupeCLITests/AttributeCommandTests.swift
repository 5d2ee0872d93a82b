import Foundation
import XCTest

final class AttributeCommandTests: CLITestCase {
    /// Ids of the deterministic stratified mnist-5k split (default split seed): the first few
    /// of the test and of the training split.
    let testIds = [5, 8, 10, 16]
    let trainIds = [0, 1, 2, 3]

    /// The shape stored in an NPY file's header.
    func npyShape(_ path: String) throws -> [Int] {
        let data = try Data(contentsOf: workDirectory.appendingPathComponent(path))
        let length = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10..<(10 + length)], as: UTF8.self)
        let inside = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
        return inside.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func text(_ path: String) throws -> String {
        try String(contentsOf: workDirectory.appendingPathComponent(path), encoding: .utf8)
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent(path).path)
    }

    func trainTinyModel() throws {
        let trained = try loupe("train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--out", "m")
        XCTAssertEqual(trained.status, 0, trained.stderr)
    }

    /// Maps for given ids: one NPY per method of [examples, C, H, W], the ids, a table, an
    /// HTML page of triplets and a verifiable manifest; the same seed gives the same bytes on
    /// another thread count.
    func testWritesMapsTableAndPage() throws {
        try trainTinyModel()
        let ids = testIds.prefix(3).map(String.init).joined(separator: ",")
        let arguments = [
            "attribute", "--model-file", "m/model.safetensors", "--method",
            "gradient,smoothgrad(integrated-gradients),vargrad,integrated-gradients,random", "--ids", ids,
            "--samples", "3", "--steps", "4", "--seed", "7",
        ]
        let result = try loupe(arguments: arguments + ["--out", "a", "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for name in [
            "gradient", "smoothgrad_integrated-gradients", "vargrad", "integrated-gradients", "random",
        ] {
            XCTAssertEqual(try npyShape("a/\(name).npy"), [3, 1, 28, 28], name)
        }
        XCTAssertEqual(try npyShape("a/ids.npy"), [3])
        let table = try text("a/examples.csv").split(separator: "\r\n").map { $0.split(separator: ",") }
        XCTAssertEqual(
            table[0].map(String.init),
            ["id", "label", "prediction", "target", "integrated-gradients_completeness_error"])
        XCTAssertEqual(table.dropFirst().map { String($0[0]) }, testIds.prefix(3).map(String.init))
        XCTAssertEqual(table.dropFirst().map { $0[2] }, table.dropFirst().map { $0[3] }, "target is the prediction")
        let html = try text("a/attributions.html")
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1, 3 * 5)
        XCTAssertFalse(html.contains("src=\"http"))
        XCTAssertEqual(try loupe("verify", "a").status, 0)

        let again = try loupe(arguments: arguments + ["--out", "b", "--threads", "2"])
        XCTAssertEqual(again.status, 0, again.stderr)
        for name in ["smoothgrad_integrated-gradients", "vargrad", "random"] {
            XCTAssertEqual(
                try Data(contentsOf: workDirectory.appendingPathComponent("a/\(name).npy")),
                try Data(contentsOf: workDirectory.appendingPathComponent("b/\(name).npy")), name)
        }
    }

    /// --top-cie takes the CIEs of the chosen variant by Taxicab score; --top-vog the highest
    /// VoG of a difficulty table, from the training split.
    func testSelectsTopCIEsAndTopVoG() throws {
        try trainTinyModel()
        let (a, b, c, d) = (testIds[0], testIds[1], testIds[2], testIds[3])
        let cie = """
            variant,id,true_label,baseline_modal_label,compressed_modal_label,taxicab_score,is_cie,baseline_accuracy,compressed_accuracy\r
            prune-0.90,\(a),0,0,1,0.5,1,1,0\r
            prune-0.90,\(b),0,0,0,1.5,0,1,0\r
            prune-0.90,\(c),0,0,2,1.0,1,1,0\r
            prune-0.90,\(d),0,0,3,2.0,1,1,0\r
            int8-channel,\(a),0,0,1,2.0,1,1,0\r

            """
        _ = try write(Data(cie.utf8), to: "audit/cie.csv")
        let top = try loupe(
            "attribute", "--model-file", "m/model.safetensors", "--top-cie", "audit/cie.csv", "--cie-variant",
            "prune-0.90", "--count", "2", "--method", "sobel", "--out", "cie")
        XCTAssertEqual(top.status, 0, top.stderr)
        let rows = try text("cie/examples.csv").split(separator: "\r\n").map { $0.split(separator: ",") }
        XCTAssertEqual(rows[0].last, "taxicab_score")
        XCTAssertEqual(rows.dropFirst().map { Int($0[0])! }, [d, c], "CIEs only, highest Taxicab first")

        let difficulty =
            "id,label,vog,vog-normalized\n"
            + trainIds.enumerated().map { index, id in
                "\(id),0,1,\([0.1, 3.0, -1.0, 2.0][index])"
            }.joined(separator: "\n") + "\n"
        _ = try write(Data(difficulty.utf8), to: "difficulty/difficulty.csv")
        let vog = try loupe(
            "attribute", "--model-file", "m/model.safetensors", "--top-vog", "difficulty", "--count", "3",
            "--method", "gradient", "--target", "label", "--out", "vog")
        XCTAssertEqual(vog.status, 0, vog.stderr)
        let vogRows = try text("vog/examples.csv").split(separator: "\r\n").map { $0.split(separator: ",") }
        XCTAssertEqual(vogRows[0].last, "vog-normalized")
        XCTAssertEqual(vogRows.dropFirst().map { Int($0[0])! }, [trainIds[1], trainIds[3], trainIds[0]])
        XCTAssertEqual(try npyShape("vog/gradient.npy"), [3, 1, 28, 28])
    }

    /// An unknown method, a target class out of range, a baseline of the wrong shape and an
    /// id outside the split: one error line, a non-zero exit and no output directory.
    /// mnist-5k's splits come from one file, so ids say their split: training ids given
    /// without --split are found in the training split; an id in neither split is an error.
    func testIdsOfTheTrainingSplitNeedNoSplitOption() throws {
        try trainTinyModel()
        let base = ["attribute", "--model-file", "m/model.safetensors", "--method", "gradient"]
        let result = try loupe(
            arguments: base + ["--ids", trainIds.map(String.init).joined(separator: ","), "--out", "t"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let table = try text("t/examples.csv").split(separator: "\r\n").map { $0.split(separator: ",") }
        XCTAssertEqual(table.dropFirst().map { String($0[0]) }, trainIds.map(String.init))
        assertFailsCleanly(
            try loupe(arguments: base + ["--ids", "\(testIds[0]),\(trainIds[0]),99999", "--out", "bad"]),
            mentioning: ["example id"])
        XCTAssertFalse(exists("bad"))
    }

    func testBadInputFailsCleanlyWritingNothing() throws {
        try trainTinyModel()
        let base = ["attribute", "--model-file", "m/model.safetensors", "--ids", String(testIds[0]), "--out", "bad"]
        assertFailsCleanly(
            try loupe(arguments: base + ["--method", "gradient,lime"]), mentioning: ["--method", "lime", "vargrad"])
        assertFailsCleanly(try loupe(arguments: base + ["--target", "12"]), mentioning: ["--target", "class 12"])
        var payload = Data()
        for _ in 0..<10 { withUnsafeBytes(of: Float(0.5).bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
        _ = try write(npy("<f4", shape: "(10,)", payload: payload), to: "baseline.npy")
        assertFailsCleanly(
            try loupe(arguments: base + ["--method", "integrated-gradients", "--baseline", "baseline.npy"]),
            mentioning: ["baseline.npy", "[10]", "[1, 28, 28]"])
        assertFailsCleanly(
            try loupe(arguments: base + ["--baseline", "grey"]), mentioning: ["--baseline", "grey"])
        assertFailsCleanly(
            try loupe(arguments: base + ["--split", "train"]), mentioning: ["example id \(testIds[0])", "train split"])
        assertFailsCleanly(
            try loupe(arguments: base + ["--method", "smoothgrad", "--samples", "0"]), mentioning: ["--samples"])
        assertFailsCleanly(
            try loupe(
                "attribute", "--model-file", "m/model.safetensors", "--ids", "5", "--top-vog", "x.csv", "--out", "bad"),
            mentioning: ["exactly one"])
        XCTAssertFalse(exists("bad"), "nothing is written on bad input")
    }
}
