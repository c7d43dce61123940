// Locates the four genuine MNIST files shipped inside the package as resources.
// Reading and parsing them is PerceptronData's job.

import Foundation
import PerceptronIO

/// Where the bundled MNIST files live at run time.
public enum BundledMNIST {
    /// The four file names, as LeCun distributes them, gzip-compressed.
    public static let fileNames = [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ]

    /// The folder holding the bundled files, or nil when the resource bundle cannot be found
    /// (for example a binary copied away from its build folder).
    ///
    /// Looked up without `Bundle.module`, whose accessor stops the process when the bundle
    /// is missing: next to the executable first (where SwiftPM places the resource bundle),
    /// then the package's source folder.
    public static var folder: URL? {
        ResourceBundle.folder(named: "Perceptron_PerceptronMNIST", subfolder: "mnist", containing: fileNames[0],
                              source: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("mnist"))
    }
}
