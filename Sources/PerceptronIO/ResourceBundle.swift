// Finds a target's resource folder at run time, for the modules that ship files (the bundled
// MNIST, the playground's page). Reading the files is each module's own business.

import Foundation

/// Where SwiftPM put a target's resources, found without `Bundle.module`, whose accessor stops
/// the process when the bundle is missing (a binary copied away from its build folder).
public enum ResourceBundle {
    /// The folder `subfolder` of the resource bundle `name` (e.g. `Perceptron_PerceptronMNIST`)
    /// that holds `marker`, or `source` when it holds `marker`, or nil.
    ///
    /// Looked for next to the executable first, where SwiftPM places resource bundles (as
    /// `NAME.resources` on Linux, `NAME.bundle` on macOS), then beside every loaded bundle (a
    /// test runner), then in `source`: the package's own copy, which a binary run where it was
    /// built can still reach.
    public static func folder(named name: String, subfolder: String, containing marker: String, source: URL? = nil) -> URL? {
        var roots: [URL] = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            roots.append(executable.deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles { roots.append(bundle.bundleURL.deletingLastPathComponent()) }
        for root in roots {
            for bundleName in [name + ".resources", name + ".bundle"] {
                for sub in [subfolder, "Contents/Resources/" + subfolder] {
                    let candidate = root.appendingPathComponent(bundleName).appendingPathComponent(sub)
                    if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(marker).path) { return candidate }
                }
            }
        }
        if let source, FileManager.default.fileExists(atPath: source.appendingPathComponent(marker).path) { return source }
        return nil
    }
}
