import ArgumentParser
struct Predict: ParsableCommand {
    func run() throws {}
}
