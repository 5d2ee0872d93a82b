import Foundation
import LoupeSupport

/// Builds a single self-contained HTML page for human reviewers: inline CSS, images as
/// `data:` URIs, charts as inline SVG, no scripts and no external references.
///
/// All text given to the builder is HTML-escaped. A name or path a user chose, marked with
/// ``isolated(_:)`` in that text, is put in its own `<bdi>` element.
///
/// ```swift
/// var report = HTMLReport(title: "Pruning audit")
/// report.addParameters([("model", "cnn"), ("sparsity", "0.9")])
/// report.addHeading("Most affected examples")
/// report.addGallery(items)
/// try report.write(to: directory.appendingPathComponent("report.html"))
/// ```
public struct HTMLReport: Sendable {
    /// The page title, shown as the only level-1 heading.
    public let title: String
    /// The markup added so far, in order.
    private var body: [String] = []

    public init(title: String) {
        self.title = title
    }

    /// Adds a heading; `level` is 2 to 6, since the title is level 1.
    public mutating func addHeading(_ text: String, level: Int = 2) {
        precondition((2...6).contains(level), "heading level \(level) is outside 2...6")
        body.append("<h\(level)>\(escapedContent(text))</h\(level)>")
    }

    /// Adds a paragraph of text.
    public mutating func addParagraph(_ text: String) {
        body.append("<p>\(escapedContent(text))</p>")
    }

    /// Adds a two-column table of names and values, such as a run's configuration.
    public mutating func addParameters(_ parameters: [(name: String, value: String)]) {
        var html = "<table class=\"parameters\">\n"
        for (name, value) in parameters {
            html += "<tr><th>\(escapedContent(name))</th><td>\(escapedContent(value))</td></tr>\n"
        }
        body.append(html + "</table>")
    }

    /// Adds a table; cells of the columns in `numericColumns` (0-based) are right-aligned
    /// with digits of equal width, so that numbers line up.
    public mutating func addTable(headers: [String], rows: [[String]], numericColumns: Set<Int> = []) {
        func row(_ cells: [String], tag: String) -> String {
            let cells = cells.enumerated().map { column, cell in
                let alignment = numericColumns.contains(column) ? " class=\"numeric\"" : ""
                return "<\(tag)\(alignment)>\(escapedContent(cell))</\(tag)>"
            }
            return "<tr>\(cells.joined())</tr>\n"
        }
        var html = "<table>\n<thead>\n" + row(headers, tag: "th") + "</thead>\n<tbody>\n"
        for cells in rows {
            html += row(cells, tag: "td")
        }
        body.append(html + "</tbody>\n</table>")
    }

    /// Adds images in a wrapping grid, each shown at `scale` times its pixel size without
    /// smoothing, so small images such as 28×28 digits stay sharp.
    public mutating func addGallery(_ items: [GalleryItem], scale: Int = 3) {
        var html = "<div class=\"gallery\">\n"
        for item in items {
            let alternative = escapedMarkup(item.captionLines.first ?? "")
            html += "<figure>"
            if let badge = item.badge {
                html += "<span class=\"badge\">\(escapedContent(badge))</span>"
            }
            html += """
                <img src="\(item.image.dataURI)" width="\(item.image.width * scale)" \
                height="\(item.image.height * scale)" alt="\(alternative)">
                """
            let captions = item.captionLines.map(escapedContent).joined(separator: "<br>")
            html += "<figcaption>\(captions)</figcaption></figure>\n"
        }
        body.append(html + "</div>")
    }

    /// Adds a chart as inline SVG.
    public mutating func addChart(_ chart: SVGLineChart) {
        body.append("<div class=\"chart\">\n\(chart.render(declaringNamespace: false))</div>")
    }

    /// Adds a collapsible section titled `summary`, holding whatever `content` adds to the
    /// report it is given.
    public mutating func addDetails(summary: String, open: Bool = false, _ content: (inout HTMLReport) -> Void) {
        var section = HTMLReport(title: summary)
        content(&section)
        body.append(
            "<details\(open ? " open" : "")>\n<summary>\(escapedContent(summary))</summary>\n"
                + section.body.joined(separator: "\n") + "\n</details>")
    }

    /// The complete page.
    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escapedMarkup(title))</title>
        <style>
        \(Self.style)
        </style>
        </head>
        <body>
        <h1>\(escapedContent(title))</h1>
        \(body.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    /// Writes the page as UTF-8, atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(html.utf8), to: url)
    }

    private static let style = """
        body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; \
        color: #222; line-height: 1.4; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
        thead th { background: #f2f2f2; }
        table.parameters th { background: #f7f7f7; font-weight: 600; }
        .numeric { text-align: right; font-variant-numeric: tabular-nums; }
        .gallery { display: flex; flex-wrap: wrap; gap: 0.75em; }
        figure { position: relative; margin: 0; padding: 0.4em; border: 1px solid #ddd; text-align: center; \
        font-size: 0.8em; }
        figure img { image-rendering: pixelated; display: block; margin: 0 auto 0.3em; }
        .badge { position: absolute; top: 0.2em; right: 0.2em; background: #c0392b; color: white; \
        border-radius: 0.6em; padding: 0 0.45em; font-size: 0.85em; }
        details { margin: 1em 0; }
        summary { cursor: pointer; font-weight: 600; }
        """
}

/// `text` as the content of an element of a page's body: escaped, and each name marked with
/// ``HTMLReport/isolated(_:)`` in a `<bdi>` element.
private func escapedContent(_ text: String) -> String {
    escapedMarkup(text, isolatingNames: true)
}
