// Locates the four genuine MNIST files shipped inside the package as resources.
// Reading and parsing them is PerceptronData's job.

import Foundation

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
        let bundleNames = ["Perceptron_PerceptronMNIST.resources", "Perceptron_PerceptronMNIST.bundle"]
        var roots: [URL] = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            roots.append(executable.deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles { roots.append(bundle.bundleURL.deletingLastPathComponent()) }
        for root in roots {
            for name in bundleNames {
                for sub in ["mnist", "Contents/Resources/mnist"] {
                    let candidate = root.appendingPathComponent(name).appendingPathComponent(sub)
                    if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(fileNames[0]).path) {
                        return candidate
                    }
                }
            }
        }
        // A binary run where it was built can still reach the package's own copy.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("mnist")
        if FileManager.default.fileExists(atPath: source.appendingPathComponent(fileNames[0]).path) { return source }
        return nil
    }
}
