import Foundation
import XCTest

@testable import LoupeReport

final class HTMLReportTests: XCTestCase {
    private func thumbnail(_ shade: UInt8) -> PNGImage {
        PNGImage(width: 28, height: 28, channels: .grayscale, pixels: Array(repeating: shade, count: 784))
    }

    /// A report using every kind of block, with hostile text in each.
    private func sampleReport(galleryCount: Int) -> HTMLReport {
        var report = HTMLReport(title: "Audit <b>")
        report.addParameters([
            ("model", "cnn & friends"), ("url", "https://example.com/x"),
            ("data", HTMLReport.isolated("train/שלום & <x>")),
        ])
        report.addHeading("Examples \"hard\"")
        report.addParagraph("Pruned models <em>forget</em> these.")
        report.addTable(
            headers: ["id", "loss <dense>"], rows: [["17", "0.5"], ["<i>", "1e-05"]], numericColumns: [1])
        report.addGallery(
            (0..<galleryCount).map { index in
                HTMLReport.GalleryItem(
                    image: thumbnail(UInt8(index * 20)),
                    captionLines: ["label 3 → 5", "<script>alert(\(index))</script>", HTMLReport.isolated("قطة")],
                    badge: index.isMultiple(of: 2) ? "flip" : nil)
            })
        report.addDetails(summary: "Loss curve & more") { section in
            section.addChart(
                SVGLineChart(
                    title: "loss", xLabel: "epoch", yLabel: "loss",
                    series: [.init(name: "train", points: [(1, 1), (2, 0.5)])]))
            section.addParagraph("inside")
        }
        return report
    }

    func testTextIsEscaped() {
        let html = sampleReport(galleryCount: 2).html
        XCTAssertFalse(html.contains("<script"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("<title>Audit &lt;b&gt;</title>"))
        XCTAssertTrue(html.contains("<td>cnn &amp; friends</td>"))
        XCTAssertTrue(html.contains("<td><bdi>train/שלום &amp; &lt;x&gt;</bdi></td>"))
        XCTAssertTrue(html.contains("<h2>Examples &quot;hard&quot;</h2>"))
        XCTAssertFalse(html.contains("<em>") || html.contains("<i>") || html.contains("<b>"))
    }

    /// A class name or path holding a bidirectional override, isolate or mark is shown with
    /// the character as visible text `\u{202e}`, wherever the page puts it; none is left raw.
    func testBidirectionalControlsAreShownNotApplied() throws {
        let controls: [Unicode.Scalar] = [
            "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}",
            "\u{2069}", "\u{200E}", "\u{200F}", "\u{061C}",
        ]
        let name = "\u{202E}evil"
        var report = HTMLReport(title: "Audit of \(name)")
        report.addHeading("Class \(name)")
        report.addParameters([("data", "train/\(name)/1.png")])
        report.addTable(headers: ["class"], rows: controls.map { ["a\($0)b"] })
        report.addGallery([.init(image: thumbnail(0), captionLines: ["\(name): x.png"])])
        report.addDetails(summary: name) { $0.addParagraph(name) }
        report.addChart(
            SVGLineChart(title: name, xLabel: "x", yLabel: "y", series: [.init(name: name, points: [(0, 0), (1, 1)])]))
        let html = report.html
        XCTAssertFalse(html.unicodeScalars.contains { controls.contains($0) }, html)
        XCTAssertTrue(html.contains("<title>Audit of \\u{202e}evil</title>"))
        XCTAssertTrue(html.contains("<h2>Class \\u{202e}evil</h2>"))
        XCTAssertTrue(html.contains("<td>train/\\u{202e}evil/1.png</td>"))
        XCTAssertTrue(html.contains("alt=\"\\u{202e}evil: x.png\""))
        XCTAssertTrue(html.contains("<figcaption>\\u{202e}evil: x.png</figcaption>"))
        XCTAssertTrue(html.contains("<summary>\\u{202e}evil</summary>"))
        for control in controls {
            let code = String(control.value, radix: 16)
            XCTAssertTrue(html.contains("<td>a\\u{\(code)}b</td>"), code)
        }
    }

    /// A name marked with `isolated` (here a Hebrew and an Arabic class name) is put in its own
    /// `<bdi>` element wherever an element can hold one, so that a right-to-left name cannot
    /// reorder the numbers and words beside it; numbers and Loupe's own words are left as they
    /// are. In an attribute, the page's `<title>` and SVG text the marks are left out.
    func testIsolatedNamesAreWrappedInBidiIsolates() {
        let (hebrew, arabic) = (HTMLReport.isolated("שלום"), HTMLReport.isolated("قطة"))
        var report = HTMLReport(title: "Audit of \(hebrew)")
        report.addHeading("\(hebrew): top CIEs")
        report.addParagraph("classes \(hebrew) (3) and \(arabic)")
        report.addParameters([("data", "\(HTMLReport.isolated("train/שלום/1.png")): 12 examples")])
        report.addTable(headers: ["class", "n"], rows: [["0 \(hebrew), 1 \(arabic)", "12"]], numericColumns: [1])
        report.addGallery([.init(image: thumbnail(0), captionLines: ["id 4", "\(arabic): x/1.png"], badge: arabic)])
        report.addDetails(summary: "\(arabic): subgroups") { $0.addParagraph(hebrew) }
        report.addChart(
            SVGLineChart(
                title: "t", xLabel: "x", yLabel: "y",
                series: [.init(name: arabic, points: [.init(x: 0, y: 0, label: hebrew), .init(x: 1, y: 1)])]))
        let html = report.html
        XCTAssertTrue(html.contains("<h1>Audit of <bdi>שלום</bdi></h1>"))
        XCTAssertTrue(html.contains("<h2><bdi>שלום</bdi>: top CIEs</h2>"))
        XCTAssertTrue(html.contains("<p>classes <bdi>שלום</bdi> (3) and <bdi>قطة</bdi></p>"))
        XCTAssertTrue(html.contains("<td><bdi>train/שלום/1.png</bdi>: 12 examples</td>"))
        XCTAssertTrue(html.contains("<td>0 <bdi>שלום</bdi>, 1 <bdi>قطة</bdi></td><td class=\"numeric\">12</td>"))
        XCTAssertTrue(html.contains("<figcaption>id 4<br><bdi>قطة</bdi>: x/1.png</figcaption>"))
        XCTAssertTrue(html.contains("<span class=\"badge\"><bdi>قطة</bdi></span>"))
        XCTAssertTrue(html.contains("<summary><bdi>قطة</bdi>: subgroups</summary>"))
        XCTAssertTrue(html.contains("<p><bdi>שלום</bdi></p>"))
        // No element in an attribute, the <title> or the SVG; no mark anywhere.
        XCTAssertTrue(html.contains("<title>Audit of שלום</title>"))
        XCTAssertTrue(html.contains("alt=\"id 4\""))
        XCTAssertTrue(html.contains(">שלום</text>") && html.contains("<title>قطة</title></polyline>"))
        XCTAssertEqual(html.components(separatedBy: "<bdi>").count, html.components(separatedBy: "</bdi>").count)
        XCTAssertFalse(html.unicodeScalars.contains { $0 == NameMark.begin || $0 == NameMark.end })
        // Unmarked text is not isolated: the helper isolates names, not every cell.
        XCTAssertFalse(html.contains("<bdi>12</bdi>") || html.contains("<bdi>id 4</bdi>"))
    }

    /// A name holding the marks themselves (a folder can be named anything) cannot open or close
    /// an element out of turn: a marked name's marks become U+FFFD, and in unmarked text they
    /// are left out unless they pair up.
    func testMarksInsideNamesKeepTheElementsBalanced() {
        let (begin, end) = (String(NameMark.begin), String(NameMark.end))
        XCTAssertEqual(HTMLReport.isolated("a\(end)b\(begin)c"), "\(begin)a\u{FFFD}b\u{FFFD}c\(end)")
        XCTAssertEqual(
            escapedMarkup("x \(HTMLReport.isolated("a\(end)<b"))", isolatingNames: true), "x <bdi>a\u{FFFD}&lt;b</bdi>")
        XCTAssertEqual(escapedMarkup("\(end)a\(begin)b\(begin)c\(end)d\(end)", isolatingNames: true), "a<bdi>bc</bdi>d")
        XCTAssertEqual(escapedMarkup("a\(begin)b", isolatingNames: true), "a<bdi>b</bdi>")
        XCTAssertEqual(escapedMarkup("a\(begin)b\(end)", isolatingNames: false), "ab")
        XCTAssertEqual(
            escapedMarkup("\(HTMLReport.isolated("\u{202E}evil"))", isolatingNames: true), "<bdi>\\u{202e}evil</bdi>")
    }

    func testPageIsSelfContained() {
        var report = sampleReport(galleryCount: 3)
        report.addParagraph("no links")  // the one URL in the report is escaped text, not a reference
        let html = report.html.replacingOccurrences(of: "https://example.com/x", with: "")
        XCTAssertFalse(html.contains("http://") || html.contains("https://"), html)
        XCTAssertFalse(html.contains("url(") || html.contains("@import") || html.contains("<link"))
        let sources = html.components(separatedBy: "src=\"").dropFirst()
        XCTAssertEqual(sources.count, 3)
        XCTAssertTrue(sources.allSatisfy { $0.hasPrefix("data:image/png;base64,") })
    }

    func testGalleryOfNItemsHasNImagesAndBadges() {
        for count in [0, 1, 7] {
            let html = sampleReport(galleryCount: count).html
            XCTAssertEqual(html.components(separatedBy: "<img ").count - 1, count)
            XCTAssertEqual(html.components(separatedBy: "<figure>").count - 1, count)
            XCTAssertEqual(html.components(separatedBy: "class=\"badge\"").count - 1, (count + 1) / 2)
        }
        let html = sampleReport(galleryCount: 1).html
        XCTAssertTrue(html.contains("width=\"84\" height=\"84\" alt=\"label 3 → 5\""))
    }

    func testNumericColumnsAreRightAligned() {
        let html = sampleReport(galleryCount: 0).html
        XCTAssertTrue(html.contains("<tr><th>id</th><th class=\"numeric\">loss &lt;dense&gt;</th></tr>"))
        XCTAssertTrue(html.contains("<tr><td>17</td><td class=\"numeric\">0.5</td></tr>"))
    }

    /// Python's HTML parser sees balanced tags (a name's `<bdi>` too), the chart inside the
    /// details section, and the caption text unescaped.
    func testPythonParsesBalancedStructure() throws {
        let url = try temporaryDirectory(for: self).appendingPathComponent("report.html")
        try sampleReport(galleryCount: 4).write(to: url)
        struct Parsed: Decodable {
            var problems: [String]
            var imageCount: Int
            var svgInsideDetails: Bool
            var captions: [String]
        }
        let parsed = try Python.json(
            Parsed.self,
            """
            import json, sys
            from html.parser import HTMLParser
            VOID = {"meta", "img", "br", "line", "rect", "circle"}
            class Check(HTMLParser):
                def __init__(self):
                    super().__init__()
                    self.stack, self.problems, self.images, self.svg_in_details = [], [], 0, False
                    self.captions, self.in_caption = [], False
                def handle_starttag(self, tag, attrs):
                    if tag == "img": self.images += 1
                    if tag == "svg": self.svg_in_details |= "details" in self.stack
                    if tag == "figcaption": self.in_caption = True; self.captions.append("")
                    if tag not in VOID: self.stack.append(tag)
                def handle_startendtag(self, tag, attrs):
                    pass
                def handle_endtag(self, tag):
                    if tag == "figcaption": self.in_caption = False
                    if not self.stack or self.stack.pop() != tag: self.problems.append("unbalanced " + tag)
                def handle_data(self, data):
                    if self.in_caption: self.captions[-1] += data
            check = Check()
            check.feed(open(sys.argv[1], encoding="utf-8").read())
            check.close()
            if check.stack: check.problems.append("unclosed " + ",".join(check.stack))
            print(json.dumps({"problems": check.problems, "imageCount": check.images,
                              "svgInsideDetails": check.svg_in_details, "captions": check.captions}))
            """, arguments: [url.path])
        XCTAssertEqual(parsed.problems, [])
        XCTAssertEqual(parsed.imageCount, 4)
        XCTAssertTrue(parsed.svgInsideDetails)
        XCTAssertEqual(parsed.captions.first, "label 3 → 5<script>alert(0)</script>قطة")
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), sampleReport(galleryCount: 4).html)
    }
}
