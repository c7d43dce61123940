// `perceptron serve`: the playground, a local web page with the real engine behind it. The
// server and its API live in PerceptronServe; this parses the options and prints the URL.

import ArgumentParser
import Dispatch
import Foundation
import Perceptron
import PerceptronServe

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the playground: draw or pick a digit, transform it, watch the models read it, train new ones.",
        discussion: """
            With no --model, the newest MLP and the newest CNN in the runs folder are served, \
            named by their run folders. The page and its API are served on loopback only unless \
            --host says otherwise; the API is described at /api/openapi.json.
            """)

    @Option(name: .customLong("model"), help: ArgumentHelp("A model file or run folder to serve; repeat for several.", valueName: "file|dir"))
    var models: [String] = []

    @Option(help: ArgumentHelp("The address to listen on; 0.0.0.0 makes the playground reachable from the network.", valueName: "ip"))
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: Int = 8080

    @Option(help: ArgumentHelp("The folder of training runs: where the default models are found and new runs are made.", valueName: "dir"))
    var runs: String = "runs"

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must be an IP address such as 127.0.0.1") }
    }

    func run() throws {
        try checkBackend()
        let runsFolder = URL(fileURLWithPath: runs)
        var served: [ServedModel] = []
        var taken = Set<String>()
        let chosen = try models.isEmpty ? ModelRegistry.newest(in: runsFolder)
            : models.map { argument in
                do { return try ModelRegistry.resolve(argument) } catch { throw CLIError(error.localizedDescription) }
            }
        for (file, name) in chosen {
            let unique = ModelRegistry.uniqueName(ModelRegistry.safeName(name), taken: taken)
            taken.insert(unique)
            served.append(try ServedModel(name: unique, file: file))
        }
        let dataset = try data.load()
        let playground = Playground(models: served, dataset: dataset, dataFolder: data.dataDirectory.map { URL(fileURLWithPath: $0) },
                                    runs: runsFolder)
        let host = self.host
        let port = UInt16(self.port)
        Task {
            do {
                let server = try await PlaygroundServer(playground: playground, host: host, port: port)
                let actual = await server.port
                let shown = host.contains(":") ? "[\(host)]" : (host == "0.0.0.0" ? "127.0.0.1" : host)
                if served.isEmpty {
                    printError("no models in \(runsFolder.path): the page offers to train them")
                } else {
                    printError("serving " + served.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", "))
                }
                if host == "0.0.0.0" || host == "::" {
                    printError("warning: listening on \(host): the playground, training included, is reachable from the network")
                }
                // Unbuffered, so a script reading the URL gets it at once.
                FileHandle.standardOutput.write(Data("http://\(shown):\(actual)/\n".utf8))
                try await server.wait()
                Foundation.exit(0)
            } catch {
                printError("Error: \(error.localizedDescription)")
                Foundation.exit(1)
            }
        }
        dispatchMain()
    }
}
