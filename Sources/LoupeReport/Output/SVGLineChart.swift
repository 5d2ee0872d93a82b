import Foundation

/// A line chart of one or more named series as a self-contained SVG document, with axes,
/// round-valued ticks, axis labels, a legend and a title.
///
/// Points with a NaN or infinite coordinate are left out. Text is escaped, so labels and
/// series names may contain any characters (a name marked with ``HTMLReport/isolated(_:)`` is
/// drawn without the marks: each label is a `<text>` element of its own).
public struct SVGLineChart: Sendable {
    /// A point of a series, in data coordinates.
    public struct Point: Equatable, Sendable {
        public var x: Double
        public var y: Double
        /// Text drawn beside the point's marker, such as the name of what it stands for.
        public var label: String?

        public init(x: Double, y: Double, label: String? = nil) {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    /// A named line, drawn through its points in order.
    public struct Series: Sendable {
        public var name: String
        public var points: [Point]

        public init(name: String, points: [Point]) {
            self.name = name
            self.points = points
        }

        /// A series through `(x, y)` pairs.
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.init(name: name, points: points.map { Point(x: $0.x, y: $0.y) })
        }
    }

    /// Line colours, taken in turn by the series (Tableau 10).
    static let palette = [
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    ]

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// The drawing's width in pixels.
    public var width: Int
    /// The drawing's height in pixels.
    public var height: Int
    /// Whether every point also gets a dot, which shows points a line alone would hide.
    public var showsMarkers: Bool
    /// Whether each series' points are joined by a line; without, the chart is a scatter plot
    /// (whose points should then have markers).
    public var showsLines: Bool

    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], width: Int = 640, height: Int = 400,
        showsMarkers: Bool = true, showsLines: Bool = true
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.width = width
        self.height = height
        self.showsMarkers = showsMarkers
        self.showsLines = showsLines
    }

    /// The chart as a standalone SVG document.
    public var svg: String { render(declaringNamespace: true) }

    /// The chart as SVG markup; the namespace declaration is needed in a standalone file
    /// and may be left out inline in HTML.
    func render(declaringNamespace: Bool) -> String {
        let layout = Layout(chart: self)
        let namespace = declaringNamespace ? #" xmlns="http://www.w3.org/2000/svg""# : ""
        var svg = """
            <svg\(namespace) width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="sans-serif" font-size="12">
            <rect width="\(width)" height="\(height)" fill="white"/>
            <text class="title" x="\(Self.coordinate(Double(width) / 2))" y="22" text-anchor="middle" \
            font-size="15" font-weight="bold">\(escapedMarkup(title))</text>

            """
        let plot = layout.plotArea
        for tick in layout.xTicks.values {
            let x = layout.position(x: tick)
            svg += Self.line("grid", from: (x, plot.minY), to: (x, plot.maxY), stroke: "#e4e4e4")
            svg += """
                <text class="tick-label" x="\(Self.coordinate(x))" y="\(Self.coordinate(plot.maxY + 16))" \
                text-anchor="middle">\(layout.xTicks.label(tick))</text>

                """
        }
        for tick in layout.yTicks.values {
            let y = layout.position(y: tick)
            svg += Self.line("grid", from: (plot.minX, y), to: (plot.maxX, y), stroke: "#e4e4e4")
            svg += """
                <text class="tick-label" x="\(Self.coordinate(plot.minX - 6))" y="\(Self.coordinate(y))" \
                text-anchor="end" dominant-baseline="middle">\(layout.yTicks.label(tick))</text>

                """
        }
        svg += Self.line("axis", from: (plot.minX, plot.maxY), to: (plot.maxX, plot.maxY), stroke: "#333")
        svg += Self.line("axis", from: (plot.minX, plot.minY), to: (plot.minX, plot.maxY), stroke: "#333")
        svg += """
            <text class="axis-label" x="\(Self.coordinate((plot.minX + plot.maxX) / 2))" y="\(height - 10)" \
            text-anchor="middle">\(escapedMarkup(xLabel))</text>
            <text class="axis-label" transform="rotate(-90)" x="\(Self.coordinate(-(plot.minY + plot.maxY) / 2))" \
            y="16" text-anchor="middle">\(escapedMarkup(yLabel))</text>

            """
        for (index, line) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let positions = layout.positions(of: line)
            if showsLines {
                let points = positions.map { "\(Self.coordinate($0.x)),\(Self.coordinate($0.y))" }
                svg += """
                    <polyline class="series" fill="none" stroke="\(color)" stroke-width="1.5" \
                    points="\(points.joined(separator: " "))"><title>\(escapedMarkup(line.name))</title></polyline>

                    """
            }
            if showsMarkers {
                for position in positions {
                    svg += """
                        <circle class="marker" cx="\(Self.coordinate(position.x))" \
                        cy="\(Self.coordinate(position.y))" r="\(showsLines ? "2.5" : "4")" fill="\(color)"/>

                        """
                }
            }
            for (point, position) in zip(line.points.filter { $0.x.isFinite && $0.y.isFinite }, positions) {
                guard let label = point.label else { continue }
                // Labels of points in the right half run leftwards, so they stay inside the drawing.
                let leftwards = position.x > (plot.minX + plot.maxX) / 2
                svg += """
                    <text class="point-label" x="\(Self.coordinate(position.x + (leftwards ? -6 : 6)))" \
                    y="\(Self.coordinate(position.y - 6))" font-size="10" fill="\(color)"\
                    \(leftwards ? " text-anchor=\"end\"" : "")>\(escapedMarkup(label))</text>

                    """
            }
        }
        // The legend sits in the plot's top right corner, or beside the plot when there are more
        // than four series (it would cover lines); text is estimated at 7 pixels a character.
        let legendX =
            layout.legendBesidePlot
            ? plot.maxX + 40 : plot.maxX - 8 - 7 * Double(series.map(\.name.count).max() ?? 0)
        for (index, line) in series.enumerated() {
            let y = plot.minY + 14 + 18 * Double(index)
            let color = Self.palette[index % Self.palette.count]
            svg += Self.line("legend", from: (legendX - 28, y), to: (legendX - 6, y), stroke: color, width: 3)
            svg += """
                <text class="legend" x="\(Self.coordinate(legendX))" y="\(Self.coordinate(y))" \
                dominant-baseline="middle">\(escapedMarkup(line.name))</text>

                """
        }
        return svg + "</svg>\n"
    }

    /// An SVG line element of class `kind` between two pixel positions.
    private static func line(
        _ kind: String, from start: (x: Double, y: Double), to end: (x: Double, y: Double), stroke: String,
        width: Double = 1
    ) -> String {
        """
        <line class="\(kind)" x1="\(coordinate(start.x))" y1="\(coordinate(start.y))" x2="\(coordinate(end.x))" \
        y2="\(coordinate(end.y))" stroke="\(stroke)" stroke-width="\(width)"/>

        """
    }

    /// A pixel coordinate with two decimals, fixed so output is deterministic.
    static func coordinate(_ value: Double) -> String {
        String(format: "%.2f", value)
    }

    /// Where the chart's parts go, in pixels from the top left.
    struct Layout {
        /// The rectangle the data is drawn in.
        let plotArea: (minX: Double, minY: Double, maxX: Double, maxY: Double)
        let xTicks: AxisTicks
        let yTicks: AxisTicks
        /// Whether the legend is drawn to the right of the plot area, which then leaves it room.
        let legendBesidePlot: Bool

        init(chart: SVGLineChart) {
            legendBesidePlot = chart.series.count > 4
            let legendWidth = legendBesidePlot ? 48 + 7 * Double(chart.series.map(\.name.count).max() ?? 0) : 0
            plotArea = (
                minX: 64, minY: 40, maxX: Double(chart.width) - 20 - legendWidth, maxY: Double(chart.height) - 48
            )
            let points = chart.series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
            let xs = points.map(\.x)
            let ys = points.map(\.y)
            xTicks = AxisTicks(lower: xs.min() ?? 0, upper: xs.max() ?? 1)
            yTicks = AxisTicks(lower: ys.min() ?? 0, upper: ys.max() ?? 1)
        }

        func position(x: Double) -> Double {
            let range = xTicks.range
            return plotArea.minX + (x - range.lowerBound) / (range.upperBound - range.lowerBound)
                * (plotArea.maxX - plotArea.minX)
        }

        func position(y: Double) -> Double {
            let range = yTicks.range
            return plotArea.maxY - (y - range.lowerBound) / (range.upperBound - range.lowerBound)
                * (plotArea.maxY - plotArea.minY)
        }

        /// The pixel positions of the finite points of `series`.
        func positions(of series: Series) -> [(x: Double, y: Double)] {
            series.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (position(x: $0.x), position(y: $0.y)) }
        }
    }
}
