import Foundation
import LoupeSupport
import XCTest

@testable import LoupeReviewServer

/// The review page shows a bidirectional override, isolate or mark in a class name, path or
/// note as the text `\u{202e}`, exactly where Loupe's HTML reports and log lines do: its
/// `shown` function, run by Node.js on every scalar of the Basic Multilingual Plane, agrees
/// with ``EscapedText/isBidirectionalControl(_:)``.
final class ReviewPageTextTests: XCTestCase {
    func testThePageShowsBidirectionalControlsAsTheReportsDo() throws {
        let script = try XCTUnwrap(EmbeddedAssets.files["review.js"]).content
        let begin = try XCTUnwrap(script.range(of: "// shown:begin\n"))
        let end = try XCTUnwrap(script.range(of: "// shown:end"))
        let shown = script[begin.upperBound..<end.lowerBound]
        let scalars = (0x20...0xFFFF).compactMap(Unicode.Scalar.init)
        let samples = scalars.map { "a\($0)b" }
        let expected = scalars.map {
            "a" + (EscapedText.isBidirectionalControl($0) ? EscapedText.codePointEscape($0) : String($0)) + "b"
        }
        XCTAssertEqual(expected.filter { $0.contains("\\u{") }.count, 12)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shown-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("samples.json")
        try JSONEncoder().encode(samples).write(to: input)
        let output = try node(
            shown + "\nconst fs = require('fs');\n"
                + "process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1], 'utf8')).map(shown)));",
            arguments: [input.path])
        XCTAssertEqual(try JSONDecoder().decode([String].self, from: output), expected)
    }

    /// A class name, path, variant or reviewer the page sets beside other text is in its own
    /// `<bdi>` (in an `<option>`, which holds text only, between U+2068 and U+2069), as on the
    /// HTML reports, so a Hebrew or Arabic name cannot reorder the numbers beside it; a number
    /// is not isolated, and a bidirectional control in a name is still shown as an escape. The
    /// page's helpers run in Node.js with a small stand-in for the DOM.
    func testThePageIsolatesNamesBesideOtherText() throws {
        let script = try XCTUnwrap(EmbeddedAssets.files["review.js"]).content
        let begin = try XCTUnwrap(script.range(of: "// shown:begin\n"))
        let end = try XCTUnwrap(script.range(of: "// names:end"))
        let helpers = script[begin.upperBound..<end.lowerBound]
        let dom = """
            class Node { constructor() { this.childNodes = []; } }
            class Text extends Node { constructor(data) { super(); this.data = data; } }
            class Element extends Node {
              constructor(tag) { super(); this.tag = tag; this.attributes = []; }
              setAttribute(k, v) { this.attributes.push(` ${k}="${v}"`); }
              addEventListener() {}
              set className(v) { this.setAttribute("class", v); }
              append(...kids) { for (const k of kids) this.childNodes.push(k instanceof Node ? k : new Text(String(k))); }
            }
            const document = { createElement: (tag) => new Element(tag), createTextNode: (data) => new Text(data) };
            const html = (n) => n instanceof Text ? n.data : `<${n.tag}${n.attributes.join("")}>${n.childNodes.map(html).join("")}</${n.tag}>`;
            let session = { dataset: { classes: ["שלום", "قطة", "2", "\\u202Eevil"] } };

            """
        let checks = """

            process.stdout.write(JSON.stringify([
              html(h("td", {}, className(0))), html(h("td", {}, className(1))), html(h("td", {}, className(2))),
              html(h("td", {}, className(3))), classText(1),
              html(h("figcaption", {}, "#7 ", isolated("قطة"), " · 0.52")),
              html(h("option", { value: 1 }, isolatedText("1 ", "قطة"))),
              html(h("option", { value: 3 }, isolatedText("3 ", "\\u2068x\\u202E")))
            ]));
            """
        let output = try node(dom + helpers + checks, arguments: [])
        XCTAssertEqual(
            try JSONDecoder().decode([String].self, from: output),
            [
                "<td>0 <bdi>שלום</bdi></td>", "<td>1 <bdi>قطة</bdi></td>", "<td>2</td>",
                "<td>3 <bdi>\\u{202e}evil</bdi></td>", "1 قطة", "<figcaption>#7 <bdi>قطة</bdi> · 0.52</figcaption>",
                "<option value=\"1\">1 \u{2068}قطة\u{2069}</option>",
                "<option value=\"3\">3 \u{2068}\\u{2068}x\\u{202e}\u{2069}</option>",
            ])
    }

    /// The stdout of `node -e script arguments...`; skips the test when no `node` is on the PATH.
    private func node(_ script: String, arguments: [String]) throws -> Data {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard
            let executable = searchPath.split(separator: ":").map({ "\($0)/node" })
                .first(where: FileManager.default.isExecutableFile(atPath:))
        else { throw XCTSkip("node is not on the PATH; skipping the check of the review page's script") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-e", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "node failed")
        return data
    }
}
