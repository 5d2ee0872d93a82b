import Foundation
import LoupeReview
import XCTest

/// The agreement page's numbers from current verdicts.
///
/// References computed once with scikit-learn 1.9.1 and numpy 2.4.6 (Python 3.11), with
/// c m a r o standing for correct, mislabelled, ambiguous, atypical, corrupted:
///
///     alice = "c c m a c r o m c a c m".split(); bob = "c m m a c c o m a a c c".split()
///     carol = "c m m a o r".split()  # examples 0..<6 only
///     cohen_kappa_score(alice, bob)          # 0.5339805825242718
///     cohen_kappa_score(alice[:6], carol)    # 0.5862068965517241
///     cohen_kappa_score(bob[:6], carol)      # 0.5714285714285714
///     # Fleiss, varying raters (3 on examples 0..<6, 2 on 6..<12), the formula in numpy:
///     P = [(sum(n*n for n in row) - sum(row)) / (sum(row) * (sum(row) - 1)) for row in t]
///     p = tot / tot.sum(); Pe = (p * p).sum(); (mean(P) - Pe) / (1 - Pe)   # 0.5495495495495495
final class AgreementTests: XCTestCase {
    private static let letters: [Character: Verdict] = [
        "c": .correct, "m": .mislabelled, "a": .ambiguous, "r": .atypical, "o": .corrupted,
    ]

    private func ratings(_ reviewer: String, _ text: String) -> [(Int, String, Verdict, Int?)] {
        text.split(separator: " ").enumerated().map { ($0, reviewer, Self.letters[$1.first!]!, nil) }
    }

    func testPairsAndFleissMatchTheReferences() throws {
        // bob's first verdict on example 4 is replaced by a later one: only current verdicts count.
        let rows =
            [(4, "bob", Verdict.corrupted, nil)] + ratings("alice", "c c m a c r o m c a c m")
            + ratings("bob", "c m m a c c o m a a c c") + ratings("carol", "c m m a o r")
            + [(50, "alice", .correct, nil)]
        let agreement = Agreement(currentVerdicts(rows))
        XCTAssertEqual(agreement.reviewers, ["alice", "bob", "carol"])
        XCTAssertEqual(agreement.pairs.map { "\($0.a)-\($0.b)" }, ["alice-bob", "alice-carol", "bob-carol"])
        XCTAssertEqual(agreement.pairs.map(\.items), [12, 6, 6])
        let expected = [0.5339805825242718, 0.5862068965517241, 0.5714285714285714]
        for (pair, kappa) in zip(agreement.pairs, expected) {
            XCTAssertEqual(try XCTUnwrap(pair.kappa), kappa, accuracy: 1e-12)
        }
        XCTAssertEqual(try XCTUnwrap(agreement.pairs[0].observed), 8.0 / 12.0, accuracy: 1e-15)
        let fleiss = try XCTUnwrap(agreement.fleiss)
        XCTAssertEqual(fleiss.items, 12)
        XCTAssertEqual(try XCTUnwrap(fleiss.kappa), 0.5495495495495495, accuracy: 1e-12)
        XCTAssertEqual(agreement.disagreements, [1, 4, 5, 8, 11])
        XCTAssertEqual(
            agreement.counts["carol"], [.correct: 1, .mislabelled: 2, .ambiguous: 1, .atypical: 1, .corrupted: 1])
        XCTAssertEqual(agreement.counts["alice"]?.values.reduce(0, +), 13)
    }

    func testPairsAreSymmetricAndPerfectAgreementIsOne() throws {
        let text = "c c m a c r o m c a c m"
        let forward = Agreement(currentVerdicts(ratings("alice", text) + ratings("bob", text)))
        XCTAssertEqual(forward.pairs.first?.kappa, 1)
        XCTAssertEqual(forward.fleiss?.kappa, 1)
        XCTAssertEqual(forward.disagreements, [])
        // Swapping the reviewers' names swaps nothing in the numbers.
        let a = "c c m a c r o m c a c m"
        let b = "c m m a c c o m a a c c"
        let ab = Agreement(currentVerdicts(ratings("alice", a) + ratings("bob", b)))
        let ba = Agreement(currentVerdicts(ratings("alice", b) + ratings("bob", a)))
        XCTAssertEqual(ab.pairs.first?.kappa, ba.pairs.first?.kappa)
        XCTAssertEqual(ab.fleiss, ba.fleiss)
    }

    func testAgreementOnDifferentSuggestedLabelsIsADisagreementButNotForKappa() {
        let agreement = Agreement(
            currentVerdicts([(1, "alice", .mislabelled, 3), (1, "bob", .mislabelled, 4), (2, "alice", .correct, nil)]))
        XCTAssertEqual(agreement.disagreements, [1])
        XCTAssertEqual(agreement.pairs.first?.items, 1)
        XCTAssertEqual(agreement.pairs.first?.observed, 1)
        XCTAssertNil(agreement.pairs.first?.kappa, "one shared verdict: chance agreement is 1")
    }

    func testUndefinedValuesAreNullInJSON() throws {
        let empty = Agreement(CurrentVerdicts(log: []))
        XCTAssertEqual(
            try json(empty),
            #"{"counts":{},"disagreement_ids":[],"disagreements":0,"fleiss":null,"pairs":[],"reviewers":[]}"#)
        // Two reviewers who never judged the same example.
        let apart = Agreement(currentVerdicts([(1, "alice", .correct, nil), (2, "bob", .ambiguous, nil)]))
        XCTAssertNil(apart.fleiss)
        XCTAssertEqual(
            try json(apart.pairs[0]), #"{"a":"alice","b":"bob","items":0,"kappa":null,"observed":null}"#)
        let same = Agreement(currentVerdicts([(1, "alice", .correct, nil), (1, "bob", .correct, nil)]))
        XCTAssertEqual(try json(same.fleiss), #"{"items":1,"kappa":null}"#)
        let text = try json(Agreement(currentVerdicts([(1, "alice", .correct, nil), (1, "bob", .atypical, nil)])))
        XCTAssertTrue(text.contains(#""disagreement_ids":[1],"disagreements":1"#), text)
        XCTAssertTrue(
            text.contains(#""alice":{"ambiguous":0,"atypical":0,"correct":1,"corrupted":0,"mislabelled":0}"#), text)
        XCTAssertFalse(text.contains("NaN") || text.contains("nan"), text)
    }

    private func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
