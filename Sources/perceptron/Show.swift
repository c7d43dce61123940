import ArgumentParser
struct Show: ParsableCommand {
    func run() throws {}
}
