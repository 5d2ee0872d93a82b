import Foundation
import XCTest

@testable import LoupeReport

#if canImport(FoundationXML)
    import FoundationXML
#endif

final class SVGLineChartTests: XCTestCase {
    /// The elements of an XML document with their attributes and all the text inside them,
    /// in document order.
    private final class ElementCollector: NSObject, XMLParserDelegate {
        struct Element {
            var name: String
            var attributes: [String: String]
            var text = ""
        }
        var elements: [Element] = []
        private var open: [Int] = []

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String]
        ) {
            open.append(elements.count)
            elements.append(Element(name: name, attributes: attributes))
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            for index in open { elements[index].text += string }
        }
    }

    /// The elements of `svg`, failing the test when it is not well-formed XML.
    private func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line)
        -> [ElementCollector.Element]
    {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = ElementCollector()
        parser.delegate = collector
        let parsed = parser.parse()
        XCTAssertTrue(parsed, "\(parser.parserError.map { "\($0)" } ?? "") in\n\(svg)", file: file, line: line)
        return collector.elements
    }

    private let chart = SVGLineChart(
        title: "Loss <train & test>", xLabel: "epoch \"n\"", yLabel: "loss 'per example'",
        series: [
            .init(name: "train <a&b>", points: [(1, 2.3), (2, 1.1), (3, 0.7), (4, 0.52)]),
            .init(name: "test", points: [(1, 2.4), (2, 1.3), (3, .nan), (4, 0.61), (5, 0.58)]),
        ])

    func testIsWellFormedXMLWithEscapedText() throws {
        let svg = chart.svg
        let elements = parse(svg)
        XCTAssertEqual(elements.first?.name, "svg")
        XCTAssertEqual(elements.first?.attributes["xmlns"], "http://www.w3.org/2000/svg")
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        for label in ["Loss <train & test>", "epoch \"n\"", "loss 'per example'", "train <a&b>"] {
            XCTAssertTrue(texts.contains(label), "\(label) missing from \(texts)")
        }
        XCTAssertTrue(svg.contains("Loss &lt;train &amp; test&gt;"))
        XCTAssertFalse(svg.contains("<train"))
    }

    func testEveryFinitePointIsDrawnInsideTheAxes() throws {
        let elements = parse(chart.svg)

        let lines = elements.filter { $0.name == "polyline" }
        XCTAssertEqual(lines.map(\.text), ["train <a&b>", "test"])
        let drawn = lines.map { line in
            (line.attributes["points"] ?? "").split(separator: " ").map { pair in
                pair.split(separator: ",").compactMap { Double($0) }
            }
        }
        XCTAssertEqual(drawn.map(\.count), [4, 4], "the NaN point is left out")
        XCTAssertEqual(elements.filter { $0.name == "circle" }.count, 8)

        // The axes meet at the data's lower corner; every point lies within them.
        let axes = elements.filter { $0.attributes["class"] == "axis" }.map { axis in
            ["x1", "y1", "x2", "y2"].compactMap { axis.attributes[$0].flatMap(Double.init) }
        }
        XCTAssertEqual(axes.count, 2)
        let (left, bottom, right, top) = (axes[0][0], axes[0][1], axes[0][2], axes[1][1])
        let layout = SVGLineChart.Layout(chart: chart)
        for (series, points) in zip(chart.series, drawn) {
            let finite = series.points.filter { !$0.y.isNaN }
            for (point, position) in zip(finite, points) {
                XCTAssertEqual(position[0], layout.position(x: point.x), accuracy: 0.006)
                XCTAssertEqual(position[1], layout.position(y: point.y), accuracy: 0.006)
                XCTAssertTrue((left...right).contains(position[0]) && (top...bottom).contains(position[1]))
            }
        }
        // Ticks cover the data with round values: x 1...5 exactly, y 0.52...2.4 by 0.5.
        let tickLabels = elements.filter { $0.attributes["class"] == "tick-label" }.map(\.text)
        XCTAssertEqual(tickLabels, ["1", "2", "3", "4", "5", "0.5", "1.0", "1.5", "2.0", "2.5"])
        XCTAssertEqual(layout.position(x: 1), left)
        XCTAssertEqual(layout.position(y: 2.5), top, accuracy: 1e-9)
    }

    /// A scatter plot: no lines, a marker per finite point, each label (escaped) beside its
    /// marker: to its right in the plot's left half, ending to its left in the right half (so
    /// the rightmost point's label stays inside the drawing).
    func testScatterPlotLabelsEachPointBesideItsMarker() throws {
        let scatter = SVGLineChart(
            title: "frontier", xLabel: "speed-up", yLabel: "fraction",
            series: [
                .init(
                    name: "CIE fraction",
                    points: [
                        .init(x: 1.2, y: 0.03, label: "prune<0.9>"), .init(x: 2.5, y: 0.01, label: "int8-full"),
                        .init(x: .nan, y: 0.5, label: "unmeasured"), .init(x: 1.8, y: 0.02),
                    ])
            ], showsLines: false)
        let elements = parse(scatter.svg)
        XCTAssertTrue(elements.filter { $0.name == "polyline" }.isEmpty)
        let markers = elements.filter { $0.name == "circle" }
        XCTAssertEqual(markers.count, 3, "the NaN point is left out")
        let labels = elements.filter { $0.attributes["class"] == "point-label" }
        XCTAssertEqual(labels.map(\.text), ["prune<0.9>", "int8-full"])
        let x = { (element: ElementCollector.Element, key: String) in Double(element.attributes[key]!)! }
        for (index, leftwards) in [false, true].enumerated() {
            let (label, marker) = (labels[index], markers[index])
            XCTAssertEqual(x(label, "x"), x(marker, "cx") + (leftwards ? -6 : 6), accuracy: 0.006)
            XCTAssertEqual(x(label, "y"), x(marker, "cy") - 6, accuracy: 0.006)
            XCTAssertEqual(label.attributes["text-anchor"], leftwards ? "end" : nil)
        }
        XCTAssertLessThan(x(markers[1], "cx"), Double(scatter.width), "the rightmost marker is inside")
        XCTAssertTrue(scatter.svg.contains("prune&lt;0.9&gt;"))
    }

    /// Up to four series share the plot with their legend; with more, the legend moves to the
    /// right of the plot area so that it covers no line.
    func testLegendOfManySeriesSitsBesideThePlot() throws {
        for count in [2, 7] {
            let many = SVGLineChart(
                title: "t", xLabel: "x", yLabel: "y",
                series: (0..<count).map { .init(name: "method \($0)", points: [(0, 0.9), (50, 0.5), (100, 0.1)]) },
                width: 820)
            let elements = parse(many.svg)
            let rightAxisEnd = try XCTUnwrap(
                elements.first { $0.attributes["class"] == "axis" }?.attributes["x2"].flatMap(Double.init))
            let legendX = elements.filter { $0.attributes["class"] == "legend" && $0.name == "text" }
                .compactMap { $0.attributes["x"].flatMap(Double.init) }
            XCTAssertEqual(legendX.count, count)
            if count > 4 {
                XCTAssertTrue(legendX.allSatisfy { $0 > rightAxisEnd }, "\(legendX) vs plot edge \(rightAxisEnd)")
                XCTAssertLessThan(legendX.max()! + 7 * 8, 820, "the legend text fits the drawing")
            } else {
                XCTAssertTrue(legendX.allSatisfy { $0 < rightAxisEnd })
            }
        }
    }

    func testEmptyAndFlatChartsStillRender() throws {
        for series in [[], [SVGLineChart.Series(name: "flat", points: [(3, 7)])]] {
            let chart = SVGLineChart(title: "t", xLabel: "x", yLabel: "y", series: series)
            let coordinates = parse(chart.svg).flatMap { element in
                ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy"].compactMap { element.attributes[$0] }
            }
            XCTAssertGreaterThan(coordinates.count, 10)
            XCTAssertTrue(coordinates.allSatisfy { Double($0)?.isFinite == true }, "\(coordinates)")
        }
    }
}
