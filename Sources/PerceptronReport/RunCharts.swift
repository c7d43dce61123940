// The charts of a run: loss and accuracy per epoch (the tutorial's matplotlib plot), the
// confusion matrix, and the terminal version of the loss chart printed after training.

import PerceptronNN
import PerceptronPlot

/// Charts drawn from a training history and predictions.
public enum RunCharts {
    /// The history key of the main accuracy metric (`categorical_accuracy`, `accuracy`, ...), if any.
    public static func accuracyKey(in history: History) -> String? {
        history.keys.first { !$0.hasPrefix("val_") && $0.contains("accuracy") }
    }

    /// The tutorial's plot of one metric per epoch: validation in red, training in blue, dot
    /// markers, legend upper right, grid, x label `epoch`, y label the metric:
    /// `plt.plot(x_len, val_loss, marker='.', c='red', label='validation loss')`.
    /// An accuracy rises to the top right, where the legend would hide the curves, so its
    /// legend goes to the lower right, which accuracy curves leave empty.
    /// A validation metric (`val_loss`) draws its curve alone, labelled `validation loss`.
    public static func metricChart(_ history: History, metric: String = "loss", title: String? = nil) -> String {
        let validationOnly = metric.hasPrefix("val_") && history["val_" + metric].isEmpty
        let base = validationOnly ? String(metric.dropFirst(4)) : metric
        let label = base == "loss" ? "loss" : base.replacingOccurrences(of: "_", with: " ")
        var series: [LineSeries] = []
        if !history["val_" + base].isEmpty {
            series.append(LineSeries("validation \(label)", y: history["val_" + base], color: .red, marker: .point))
        }
        if !validationOnly && !history[base].isEmpty {
            series.append(LineSeries("training \(label)", y: history[base], color: .blue, marker: .point))
        }
        var chart = LineChart(series, title: title, xLabel: "epoch", yLabel: label)
        chart.legend = metric.contains("accuracy") ? .lowerRight : .upperRight
        chart.showsGrid = true
        return chart.svg()
    }

    /// The confusion matrix as a heatmap with counts in the cells (rows: true class).
    public static func confusionChart(_ matrix: ConfusionMatrix, title: String? = "Confusion matrix (test set)") -> String {
        Heatmap(counts: matrix.counts, labels: (0..<matrix.classes).map(String.init), title: title,
                xLabel: "predicted", yLabel: "true").svg()
    }

    /// Training and validation loss per epoch drawn in the terminal (braille, two series,
    /// labelled axes), numbered from epoch 1.
    public static func terminalLossChart(_ history: History, width: Int = 60, height: Int = 10, color: Bool = false) -> String {
        var series = [TerminalSeries("training loss", y: history["loss"], marker: "*", color: .blue)]
        if !history["val_loss"].isEmpty {
            series.append(TerminalSeries("validation loss", y: history["val_loss"], marker: "o", color: .red))
        }
        var chart = TerminalChart(series, width: width, height: height, xLabel: "epoch", yLabel: "loss")
        chart.firstIndex = 1
        chart.usesColor = color
        return chart.render()
    }
}
