// How a training run claims its folder: locked against other runs, refused when it holds
// another run unless asked to overwrite it, and given back when the run stops before training.

import Foundation
import PerceptronIO
import PerceptronReport

extension TrainingRun {
    /// The folder's lock, and whether this run made the folder.
    struct Claim {
        let lock: RunLock
        let madeFolder: Bool
    }

    /// Locks the folder; for a new run, makes or checks it and writes `train.json`.
    func claimFolder() throws -> Claim {
        if checkpoint != nil { return Claim(lock: try RunLock(folder), madeFolder: false) }
        if namesItsFolder {
            folder = try RunFolder.makeUnique(in: folder.url)
            let claim = Claim(lock: try RunLock(folder), madeFolder: true)
            try FileIO.writeAtomically(try settings.json(), to: folder.settings)
            return claim
        }
        var isFolder: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: folder.url.path, isDirectory: &isFolder)
        if existed && !isFolder.boolValue {
            throw RunFolderError("\(folder.url.path) is a file, not a folder; --output names the folder of a run")
        }
        try FileIO.prepareFolder(folder.url, expectedBytes: 64 << 20)
        let lock: RunLock
        do { lock = try RunLock(folder) } catch {
            if !existed { try? FileManager.default.removeItem(at: folder.url) }
            throw error
        }
        let existing = folder.existingRunFiles
        if !existing.isEmpty {
            guard overwrites else {
                lock.release()
                try? FileManager.default.removeItem(at: folder.lockFile)
                let names = existing.map(\.lastPathComponent).joined(separator: ", ")
                throw RunFolderError("\(folder.url.path) already holds a run (\(names)); give --overwrite to replace it, --resume to continue it, or choose another --output")
            }
            for file in existing { try FileManager.default.removeItem(at: file) }
        }
        try FileIO.writeAtomically(try settings.json(), to: folder.settings)
        return Claim(lock: lock, madeFolder: !existed)
    }

    /// Takes back what a new run wrote when it stops before training: its settings file, and
    /// its folder when the run made it.
    func abandon(_ claim: Claim) {
        try? FileManager.default.removeItem(at: folder.settings)
        try? FileManager.default.removeItem(at: folder.lockFile)
        if claim.madeFolder { try? FileManager.default.removeItem(at: folder.url) }
    }
}
