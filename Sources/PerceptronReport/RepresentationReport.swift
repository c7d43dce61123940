// The representation analysis as text and files: the Markdown table, CSV, one PCA scatter
// plot (SVG) per layer and the self-contained represent.html. The measuring is elsewhere.

import Foundation
import PerceptronIO
import PerceptronPlot

/// Tables, charts and the page of a `RepresentationAnalysis`.
public enum RepresentationReport {
    /// The page's file name.
    public static let pageName = "represent.html"
    /// The CSV's file name.
    public static let csvName = "represent.csv"

    /// The row's name in tables: `"hidden 1"`, `"output (softmax probabilities)"`.
    static func title(_ layer: RepresentationLayer) -> String {
        layer.note.isEmpty ? layer.label : "\(layer.label) (\(layer.note))"
    }

    /// The block's layers, `"conv2d + max_pooling2d"`, or the input layer's name.
    static func layerText(_ layer: RepresentationLayer) -> String {
        layer.block.isEmpty ? layer.name : layer.block.joined(separator: " + ")
    }

    static func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }

    static func ratio(_ value: Double) -> String { value.isFinite ? String(format: "%.3f", value) : "\(value)" }

    /// The table in Markdown: one row per representation with its layers, width, linear-probe
    /// accuracy, between/within variance ratio and nearest-centroid accuracy.
    public static func table(_ analysis: RepresentationAnalysis) -> String {
        var lines = ["| representation | layers | width | linear probe | between/within | nearest centroid |",
                     "| --- | --- | ---: | ---: | ---: | ---: |"]
        for row in analysis.rows {
            lines.append("| \(title(row.layer)) | \(layerText(row.layer)) | \(row.layer.width) | \(percent(row.probeAccuracy)) | "
                         + "\(ratio(row.varianceRatio)) | \(percent(row.centroidAccuracy)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per representation: `layer,label,block,width,probe_accuracy,variance_ratio,
    /// centroid_accuracy,pc1_variance_share,pc2_variance_share` (blocks joined with `+`).
    public static func csv(_ analysis: RepresentationAnalysis) -> String {
        var lines = ["layer,label,block,width,probe_accuracy,variance_ratio,centroid_accuracy,pc1_variance_share,pc2_variance_share"]
        for row in analysis.rows {
            let fields = [row.layer.name, title(row.layer), row.layer.block.joined(separator: "+"), "\(row.layer.width)",
                          String(format: "%.4f", row.probeAccuracy), String(format: "%.6g", row.varianceRatio),
                          String(format: "%.4f", row.centroidAccuracy), String(format: "%.4f", row.explainedVariance[0]),
                          String(format: "%.4f", row.explainedVariance[1])]
            lines.append(fields.map(Robustness.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The sampled test images of one representation on its first two principal components,
    /// one colour per class (Tableau 10), 480 x 400 pixels so two fit side by side.
    public static func scatterSVG(_ row: LayerSeparation, labels: [Int]) -> String {
        var plot = ScatterPlot(x: row.projection[0], y: row.projection[1], classes: labels,
                               title: "\(title(row.layer)): \(layerText(row.layer)), \(row.layer.width) values",
                               xLabel: String(format: "PC 1 (%.1f%% of variance)", row.explainedVariance[0] * 100),
                               yLabel: String(format: "PC 2 (%.1f%%)", row.explainedVariance[1] * 100))
        plot.width = 480
        plot.height = 400
        plot.markerSize = 3
        plot.opacity = 0.6
        return plot.svg()
    }

    /// The file name of a row's scatter plot: `pca-<position>-<layer name>.svg`.
    public static func scatterName(_ position: Int, _ layer: RepresentationLayer) -> String {
        "pca-\(position)-" + String(layer.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }) + ".svg"
    }

    /// The self-contained page: the table with how each measure is defined, the scatter plots
    /// two to a row, and how the projections were computed.
    public static func html(_ analysis: RepresentationAnalysis, modelName: String) -> String {
        var page = HTMLPage(title: "What the hidden layers learn: \(modelName)")
        page.css += "\n.side { display: flex; flex-wrap: wrap; gap: 1rem; }\n.side svg { width: calc(50% - .5rem); height: auto; }\n"
        let rows = analysis.rows.map { row in
            [title(row.layer), layerText(row.layer), "\(row.layer.width)", percent(row.probeAccuracy),
             ratio(row.varianceRatio), percent(row.centroidAccuracy)]
        }
        let table = HTMLTable(headers: ["representation", "layers", "width", "linear probe", "between/within", "nearest centroid"],
                              rows: rows, numericColumns: [2, 3, 4, 5])
        let probe = analysis.probe
        page.append(HTMLSection("Separation per layer", [
            .table(table),
            .paragraph("Each hidden layer maps the images to new coordinates. The more the classes come apart there, the easier the next layer's job: these three numbers measure how apart they are."),
            .paragraph("Linear probe: a softmax regression (one Dense layer starting from zero weights, Adam at learning rate \(probe.learningRate), \(probe.epochs) epochs of batches of \(probe.batchSize), shuffled with seed \(probe.seed)) trained on the layer's outputs for \(analysis.trainCount) training images, each feature standardised with the training mean and standard deviation, then scored on \(analysis.testCount) test images. It asks how much of the class a straight cut can read off the layer."),
            .paragraph("Between/within: trace(S_B) / trace(S_W) over the test images, with S_W = Σ_i (x_i − μ_class(i))(x_i − μ_class(i))ᵀ and S_B = Σ_c n_c (μ_c − μ)(μ_c − μ)ᵀ: the spread of the class means around the overall mean, relative to the spread of the images around their own class mean. Higher is more separated; scaling the layer by one factor does not change it."),
            .paragraph("Nearest centroid: each test image gets the class whose mean output over the training images is nearest (Euclidean distance, unstandardised). It asks whether the classes form compact clouds."),
        ]))
        var figures = "<div class=\"side\">\n"
        for row in analysis.rows { figures += inlined(scatterSVG(row, labels: analysis.sampleLabels)) + "\n" }
        figures += "</div>"
        page.append(HTMLSection("The first two principal components, layer by layer", [
            .paragraph("\(analysis.sampleLabels.count) test images, one dot each, coloured by their true digit. Each panel is the PCA of that layer's outputs: the plane in which those outputs spread the most."),
            .rawHTML(figures),
            .paragraph("How the projections are computed: for each layer, the outputs x_i of the sampled images (flattened) are centred on their mean μ, the covariance C = Σ_i (x_i − μ)(x_i − μ)ᵀ / (N − 1) is formed in double precision, and its two eigenvectors with the largest eigenvalues are found exactly: Householder reduction to a tridiagonal matrix, implicit QL for the eigenvalues, inverse iteration for the two eigenvectors. Outputs wider than \(PCA.covarianceWidthLimit) values (flattened convolution maps) use Lanczos iteration on C without forming it, run until the residuals are below 1e-10 of the top eigenvalue. Each axis's sign is fixed so that its largest entry is positive. A point's coordinates are (x − μ) · v1 and (x − μ) · v2; the axis labels give the share of the total variance each carries."),
        ]))
        return page.html()
    }

    /// Writes the page, the CSV and one scatter plot per row into `folder`, each atomically.
    ///
    /// - Returns: the files written, the page first.
    /// - Throws: `FileError` when a file cannot be written.
    @discardableResult
    public static func write(_ analysis: RepresentationAnalysis, modelName: String, into folder: URL) throws -> [URL] {
        var contents = [(pageName, html(analysis, modelName: modelName)), (csvName, csv(analysis))]
        for (position, row) in analysis.rows.enumerated() {
            contents.append((scatterName(position, row.layer), scatterSVG(row, labels: analysis.sampleLabels)))
        }
        var written: [URL] = []
        for (name, text) in contents {
            let url = folder.appendingPathComponent(name)
            try FileIO.writeAtomically(text, to: url)
            written.append(url)
        }
        return written
    }

    /// An SVG document as an element for an HTML5 page: the XML declaration and the SVG
    /// namespace declaration dropped (HTML puts `<svg>` in that namespace itself).
    static func inlined(_ svg: String) -> String {
        guard let start = svg.range(of: "<svg") else { return svg }
        return String(svg[start.lowerBound...]).replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "")
    }
}
