// The error every ONNX import throws: the file, and what is wrong with it in words (the node,
// its op, what was expected and found). Parsing, validation and translation all throw it.

import Foundation
import PerceptronNN

/// An ONNX file that cannot be imported: damaged, hostile, or using what Perceptron lacks.
///
/// It is the error of every model file that cannot be read (`ModelFileError`: the path and
/// the flaw). The message reads `model.onnx: node 3 '/fc1/Gemm' (Gemm): transA=1 is not
/// supported ...`: the file, then the node (index in the file, name, op) or tensor at fault,
/// what was expected, what was found and, where one helps, what is supported instead.
public typealias ONNXImportError = ModelFileError

/// A flaw found while the file's name is not at hand; `ONNXImport` adds the path.
struct ImportFlaw: Error {
    let detail: String
    init(_ detail: String) { self.detail = detail }
}

/// A name from the file as messages quote it: at most 64 characters, so a hostile name of
/// megabytes cannot flood a terminal.
func quoted(_ name: String) -> String {
    name.count > 64 ? "'\(name.prefix(64))...'" : "'\(name)'"
}
