import XCTest

@testable import LoupeReview

final class ReviewSourcesTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func write(_ text: String, _ path: String) throws -> URL {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.deletingLastPathComponent()
    }

    func testAnAuditGivesEachVariantsCIEsByTaxicabScore() throws {
        let audit = try write(
            """
            variant,id,true_label,baseline_modal_label,compressed_modal_label,taxicab_score,is_cie,baseline_accuracy,compressed_accuracy,path,class_name
            prune-0.90,4,1,1,2,1.5,1,0.8,0.1,test/b/4.jpg,b
            prune-0.90,7,0,0,0,0.0,0,1.0,1.0,test/a/7.jpg,a
            prune-0.90,9,1,1,0,2.0,1,0.6,0.0,"test/b/9,x.jpg",b
            int8,4,1,1,1,0.2,0,0.8,0.9,test/b/4.jpg,b

            """, "audit/cie.csv")
        let sources = try ReviewSources.read([audit])
        XCTAssertEqual(sources.split, "test")
        XCTAssertEqual(sources.queues.map(\.name), ["cie:prune-0.90", "cie:int8"])
        XCTAssertEqual(sources.queues[0].entries.map(\.id), [9, 4])
        XCTAssertEqual(sources.queues[0].entries[0].modalLabels, ["dense": 1, "prune-0.90": 0])
        XCTAssertEqual(sources.queues[0].entries[0].scores, [2.0, 0.6, 0.0])
        XCTAssertEqual(sources.queues[1].entries.count, 0)
        XCTAssertEqual(sources.populations[4]?.map(\.variant), ["prune-0.90", "int8"])
        XCTAssertEqual(sources.populations[4]?[0].compressedAccuracy, 0.1)
    }

    /// Loupe writes a variant or path that a spreadsheet would run as a formula after a `'`;
    /// the queue and the outcomes name the variant itself, and the path still gives the split.
    func testFormulaGuardedVariantsAndPathsReadBackExactly() throws {
        let audit = try write(
            """
            variant,id,true_label,baseline_modal_label,compressed_modal_label,taxicab_score,is_cie,baseline_accuracy,compressed_accuracy,path,class_name
            '=pruned,4,1,1,2,1.5,1,0.8,0.1,train/'quoted/4.jpg,''quoted
            ''q,4,1,1,1,0.2,0,0.8,0.9,train/'quoted/4.jpg,''quoted

            """, "audit/cie.csv")
        let sources = try ReviewSources.read([audit])
        XCTAssertEqual(sources.queues.map(\.name), ["cie:=pruned", "cie:'q"])
        XCTAssertEqual(sources.populations[4]?.map(\.variant), ["=pruned", "'q"])
        XCTAssertEqual(sources.queues[0].entries[0].modalLabels, ["dense": 1, "=pruned": 2])
        XCTAssertEqual(sources.split, "train")
    }

    func testADifficultyRunGivesAQueuePerScoreHardestFirstAndTheLabelIssues() throws {
        let run = try write(
            """
            id,label,final_prediction,cl_label_issue,vog,vog_rank,self-confidence,self-confidence_rank
            0,0,0,false,0.5,2,0.9,3
            1,1,0,true,0.1,3,0.2,1
            2,1,1,true,0.9,1,0.4,2

            """, "difficulty/difficulty.csv")
        let sources = try ReviewSources.read([run])
        XCTAssertEqual(sources.split, "train")
        XCTAssertEqual(sources.queues.map(\.name), ["difficulty:vog", "difficulty:self-confidence", "label-issues"])
        XCTAssertEqual(sources.queues[0].entries.map(\.id), [2, 0, 1])
        XCTAssertEqual(sources.queues[1].entries.map(\.id), [1, 2, 0])
        XCTAssertEqual(sources.queues[2].entries.map(\.id), [1, 2])
        XCTAssertEqual(sources.queues[2].entries[0].modalLabels, ["model": 0])
        // Each queue's own score first, its rank last, in the entries' order too.
        XCTAssertEqual(sources.queues[1].scoreNames, ["self-confidence", "vog", "self-confidence_rank"])
        XCTAssertEqual(sources.queues[1].entries[0].scores, [0.2, 0.1, 1])
        XCTAssertEqual(sources.queues[2].scoreNames, ["self-confidence", "vog", "self-confidence_rank"])
        XCTAssertEqual(sources.difficulty[2], ["vog": 0.9, "self-confidence": 0.4])
    }

    func testTheManifestSaysWhichSplitADifficultyRunScored() throws {
        let run = try write("id,label,vog,vog_rank\n3,0,0.5,1\n", "vog/difficulty.csv")
        try #"{"rerun": {"arguments": ["difficulty", "--checkpoints", "x", "--evaluate", "test"]}}"#.write(
            to: run.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try ReviewSources.read([run]).split, "test")
    }

    func testAnyCSVWithAnIDAndAScoreColumn() throws {
        let file = folder.appendingPathComponent("mine.csv")
        try "id,label,note,margin,score\n5,1,x,0.1,0.3\n6,0,y,0.5,0.9\n7,0,z,,0.1\n".write(
            to: file, atomically: true, encoding: .utf8)
        let sources = try ReviewSources.read([file])
        XCTAssertNil(sources.split)
        XCTAssertEqual(sources.queues[0].name, "csv:mine")
        XCTAssertEqual(sources.queues[0].scoreNames, ["margin", "score"])
        XCTAssertEqual(sources.queues[0].entries.map(\.id), [6, 5, 7])
        XCTAssertEqual(sources.queues[0].entries(sortedBy: "margin", descending: false).map(\.id), [5, 6, 7])
    }

    func testUnusableInputNamesTheFolderOrFile() throws {
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let noScore = folder.appendingPathComponent("n.csv")
        try "id,label\n1,0\n".write(to: noScore, atomically: true, encoding: .utf8)
        let twice = folder.appendingPathComponent("t.csv")
        try "id,score\n1,0.5\n1,0.2\n".write(to: twice, atomically: true, encoding: .utf8)
        let badID = folder.appendingPathComponent("b.csv")
        try "id,score\n-1,0.5\n".write(to: badID, atomically: true, encoding: .utf8)
        let train = try write("id,label,path,vog,vog_rank\n1,0,train/a/1.png,0.5,1\n", "train-run/difficulty.csv")
        let test = try write("id,label,path,vog,vog_rank\n1,0,test/a/1.png,0.5,1\n", "test-run/difficulty.csv")
        for (urls, message) in [
            ([folder.appendingPathComponent("missing")], "no such folder or file"),
            ([empty], "nothing to review"), ([noScore], "no score column"), ([twice], "id 1 appears twice"),
            ([badID], "is not an example id"), ([train, test], "review them separately"),
        ] {
            XCTAssertThrowsError(try ReviewSources.read(urls)) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
                XCTAssertTrue("\(error)".hasPrefix(urls.last!.path), "\(error)")
            }
        }
    }
}
