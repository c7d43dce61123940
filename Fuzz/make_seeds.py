#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/Corpus/ (standard library only; run from anywhere).

Seeds are small valid files of each kind, so that the fuzzers start from inputs that reach
deep into each reader. PNG seeds are copied from Tests/PerceptronVisionTests/Images/Fixtures.
The model files follow Model.fileBytes(): safetensors with the architecture and compile
settings as JSON strings in __metadata__; `perceptron summary --model FILE` loads each one.
"""
import gzip, json, os, shutil, struct, zlib

FUZZ = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(FUZZ, "Corpus")


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# IDX: every element type, raw and gzip (fixed mtime so the bytes are reproducible).
def idx(type_code, shape, payload):
    return bytes([0, 0, type_code, len(shape)]) + b"".join(struct.pack(">I", s) for s in shape) + payload

idx_seeds = {
    "u8_2x3": idx(0x08, [2, 3], bytes(range(6))),
    "u8_images_2x2x2": idx(0x08, [2, 2, 2], bytes([0, 255, 128, 1, 2, 3, 4, 5])),
    "u8_labels": idx(0x08, [4], bytes([0, 9, 3, 7])),
    "i8": idx(0x09, [3], struct.pack(">3b", -128, 0, 127)),
    "i16": idx(0x0B, [2], struct.pack(">2h", -300, 300)),
    "i32": idx(0x0C, [2], struct.pack(">2i", -70000, 70000)),
    "f32": idx(0x0D, [1, 2], struct.pack(">2f", 0.5, -1.25)),
    "f64": idx(0x0E, [2], struct.pack(">2d", 3.5, -0.0)),
}
for name, data in idx_seeds.items():
    write("FuzzIDX", name + ".idx", data)
    write("FuzzIDX", name + ".idx.gz", gzip.compress(data, mtime=0))

# PNG: the decoder's valid fixtures (every colour type, filters, tRNS, several IDATs), and a
# few that fail at different stages.
fixtures = os.path.join(FUZZ, "..", "Tests", "PerceptronVisionTests", "Images", "Fixtures")
for name in ["grey_filters.png", "rgb_filters.png", "rgba_multi_idat.png", "grey_alpha.png", "palette_trns.png",
             "paeth_ties.png", "depth16.png", "interlaced.png", "bad_filter.png", "palette_index_out_of_range.png"]:
    with open(os.path.join(fixtures, name), "rb") as f:
        write("FuzzPNG", name, f.read())

def png(width, height, color_type, rows, extra=b""):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))

write("FuzzPNG", "grey_trns_2x2.png", png(2, 2, 0, [b"\x00\x00\xff", b"\x01\x10\x20"],
      extra=struct.pack(">I", 2) + b"tRNS" + b"\x00\xff" + struct.pack(">I", zlib.crc32(b"tRNS\x00\xff"))))
write("FuzzPNG", "rgb_1x1.png", png(1, 1, 2, [b"\x00\x10\x20\x30"]))

# PGM: binary and ASCII, maxval 255 and 65535, comments.
write("FuzzPGM", "p5_3x2.pgm", b"P5\n3 2\n255\n" + bytes([0, 64, 128, 192, 255, 1]))
write("FuzzPGM", "p5_comment.pgm", b"P5 # made by hand\n2 2 # size\n255\n" + bytes([9, 8, 7, 6]))
write("FuzzPGM", "p5_16bit.pgm", b"P5\n2 1\n65535\n" + struct.pack(">2H", 0, 65535))
write("FuzzPGM", "p5_maxval15.pgm", b"P5 2 2 15 " + bytes([0, 5, 10, 15]))
write("FuzzPGM", "p2_3x2.pgm", "P2\n# ascii\n3 2\n255\n0 64 128\n192 255 1\n")
write("FuzzPGM", "p2_16bit.pgm", "P2 2 2 1000\n0 250 # half\n500 1000\n")

# Model files, as Model.fileBytes() writes them.
def safetensors(tensors, metadata):
    header, offset, data = {"__metadata__": metadata}, 0, b""
    for name, shape, values in tensors:
        raw = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data

def layer(class_name, name, **config):
    return {"class_name": class_name, "name": name, "config": config}

def model(name, class_name, layers, compile_settings, tensors):
    metadata = {"format": "perceptron", "format_version": "1",
                "architecture": json.dumps({"class_name": class_name, "name": name, "layers": layers},
                                           separators=(",", ":"), sort_keys=True)}
    if compile_settings:
        metadata["compile"] = json.dumps(compile_settings, separators=(",", ":"), sort_keys=True)
    return safetensors(tensors, metadata)

def values(count, scale=0.1):
    return [scale * ((i * 7) % 11 - 5) for i in range(count)]

dense = dict(activation="relu", use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros")
mlp = model("mlp", "Sequential",
            [layer("InputLayer", "input", shape=[4]),
             layer("Dense", "dense", units=3, **dense),
             layer("Dense", "dense_1", **dict(dense, units=2, activation="softmax"))],
            {"loss": "categorical_crossentropy", "metrics": ["accuracy"],
             "optimizer": {"class_name": "adam", "config": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07}}},
            [("dense/kernel", [4, 3], values(12)), ("dense/bias", [3], values(3)),
             ("dense_1/kernel", [3, 2], values(6)), ("dense_1/bias", [2], values(2))])
write("FuzzModelFile", "mlp.safetensors", mlp)

cnn = model("cnn", "Functional",
            [layer("InputLayer", "image", shape=[6, 6, 1]),
             layer("Conv2D", "conv", filters=2, kernel_size=[3, 3], strides=[1, 1], padding="same", activation="relu", use_bias=True),
             layer("BatchNormalization", "norm", momentum=0.99, epsilon=0.001),
             layer("MaxPooling2D", "pool", pool_size=[2, 2], strides=[2, 2], padding="valid"),
             layer("AveragePooling2D", "average", pool_size=[2, 2], strides=[1, 1], padding="same"),
             layer("Flatten", "flatten"),
             layer("Dropout", "dropout", rate=0.5),
             layer("Dense", "logits", units=2, activation="linear", use_bias=False,
                   kernel_initializer="glorot_uniform", bias_initializer="zeros"),
             layer("Activation", "softmax", activation="softmax"),
             layer("Reshape", "reshape", target_shape=[-1, 1])],
            {"loss": "mean_squared_error", "metrics": [],
             "optimizer": {"class_name": "sgd", "config": {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}}},
            [("conv/kernel", [3, 3, 1, 2], values(18)), ("conv/bias", [2], values(2)),
             ("norm/gamma", [2], [1.0, 1.0]), ("norm/beta", [2], [0.0, 0.0]),
             ("norm/moving_mean", [2], [0.0, 0.1]), ("norm/moving_variance", [2], [1.0, 0.5]),
             ("logits/kernel", [18, 2], values(36))])
write("FuzzModelFile", "cnn.safetensors", cnn)

tiny = model("tiny", "Sequential",
             [layer("InputLayer", "in", shape=[2]), layer("Dense", "out", units=1, activation="sigmoid")],
             {"loss": "binary_crossentropy", "metrics": ["binary_accuracy"],
              "optimizer": {"class_name": "rmsprop", "config": {"learning_rate": 0.001, "rho": 0.9, "centered": True}}},
             [("out/kernel", [2, 1], [0.5, -0.5]), ("out/bias", [1], [0.25])])
write("FuzzModelFile", "tiny_rmsprop.safetensors", tiny)

augmenting = model("augmenting", "Sequential",
                   [layer("InputLayer", "digits", shape=[4, 4, 1]),
                    layer("RandomRotation", "rotate", factor=0.1, fill_mode="reflect", fill_value=0.0, seed="7"),
                    layer("RandomTranslation", "shift", height_factor=0.1, width_factor=0.2, fill_mode="constant"),
                    layer("Flatten", "flat"),
                    layer("Dense", "out", units=1, activation="tanh", use_bias=True)],
                   None,
                   [("out/kernel", [16, 1], values(16)), ("out/bias", [1], [0.0])])
write("FuzzModelFile", "augmenting.safetensors", augmenting)
write("FuzzModelFile", "weights_only.safetensors", safetensors([("w", [2], [1.0, 2.0])], {}))

# Histories, as History.csv() and History.json() write them.
write("FuzzHistoryCSV", "history.csv",
      "epoch,categorical_accuracy,loss,val_categorical_accuracy,val_loss\n"
      "0,0.5,1.7364896535873413,0.625,1.25\n1,0.75,0.7120359539985657,0.8,nan\n")
write("FuzzHistoryCSV", "keras_order.csv", "loss,epoch\r\n0.5,3\r\n0.25,4\r\n")
write("FuzzHistoryCSV", "header_only.csv", "epoch,loss\n")
write("FuzzHistoryJSON", "history.json",
      '{\n  "epochs": [0, 1],\n  "keys": ["loss", "accuracy", "val_loss"],\n  "history": {\n'
      '    "loss": [1.7364896535873413, 0.7120359539985657],\n    "accuracy": [0.5, 0.75],\n'
      '    "val_loss": [1.25, null]\n  },\n  "epoch_seconds": [0.5, null]\n}\n')
write("FuzzHistoryJSON", "no_keys.json", '{"epochs":[3],"history":{"b":[1e-3],"a":[-2]}}')
write("FuzzHistoryJSON", "escapes.json", '{"epochs":[],"keys":["\\u00e9\\n"],"history":{"\\u00e9\\n":[]},"epoch_seconds":[]}')

# ONNX models, as torch.onnx.export and Keras 3 write them: a protobuf ModelProto encoded by
# hand (field numbers from onnx.proto, onnx 1.23.2), small enough for the fuzzer to mutate.
def varint(value):
    value &= (1 << 64) - 1
    out = b""
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])

def pb_int(field, value): return varint(field << 3) + varint(value)
def pb_bytes(field, data): return varint((field << 3) | 2) + varint(len(data)) + (data.encode() if isinstance(data, str) else data)
def pb_float(field, value): return varint((field << 3) | 5) + struct.pack("<f", value)

def onnx_tensor(name, dims, floats=None, ints=None, external=None):
    out = b"".join(pb_int(1, d) for d in dims)
    if ints is not None:
        out += pb_int(2, 7) + b"".join(pb_int(7, v) for v in ints)
    else:
        out += pb_int(2, 1)
    out += pb_bytes(8, name)
    if floats is not None:
        out += pb_bytes(9, struct.pack("<%df" % len(floats), *floats))
    if external is not None:
        out += pb_bytes(13, pb_bytes(1, "location") + pb_bytes(2, external)) + pb_int(14, 1)
    return out

def onnx_attribute(name, value):
    out = pb_bytes(1, name)
    if isinstance(value, float): return out + pb_float(2, value) + pb_int(20, 1)
    if isinstance(value, int): return out + pb_int(3, value) + pb_int(20, 2)
    if isinstance(value, str): return out + pb_bytes(4, value) + pb_int(20, 3)
    return out + b"".join(pb_int(8, v) for v in value) + pb_int(20, 7)

def onnx_node(op, inputs, output, name="", **attributes):
    out = b"".join(pb_bytes(1, i) for i in inputs) + pb_bytes(2, output) + pb_bytes(3, name or op.lower()) + pb_bytes(4, op)
    return out + b"".join(pb_bytes(5, onnx_attribute(k, v)) for k, v in attributes.items())

def onnx_value(name, dims):
    shape = b"".join(pb_bytes(1, pb_bytes(2, "batch") if d is None else pb_int(1, d)) for d in dims)
    return pb_bytes(1, name) + pb_bytes(2, pb_bytes(1, pb_int(1, 1) + pb_bytes(2, shape)))

def onnx_model(nodes, initializers, input_dims, opset=18):
    graph = b"".join(pb_bytes(1, n) for n in nodes) + pb_bytes(2, "seed")
    graph += b"".join(pb_bytes(5, t) for t in initializers)
    graph += pb_bytes(11, onnx_value("input", input_dims)) + pb_bytes(12, onnx_value("output", [None]))
    return (pb_int(1, 8) + pb_bytes(2, "seeds") + pb_bytes(7, graph) + pb_bytes(8, pb_bytes(1, "") + pb_int(2, opset))
            + pb_bytes(14, pb_bytes(1, "pixel_scale") + pb_bytes(2, "0.00392156862745098")))

# The lesson's MLP in miniature, as PyTorch writes it (Gemm with transB) and as MatMul + Add.
write("FuzzONNX", "gemm_mlp.onnx", onnx_model(
    [onnx_node("Gemm", ["input", "w1", "b1"], "h1", transB=1), onnx_node("Relu", ["h1"], "r1"),
     onnx_node("Gemm", ["r1", "w2", "b2"], "h2", transB=1), onnx_node("Softmax", ["h2"], "output", axis=1)],
    [onnx_tensor("w1", [4, 6], values(24)), onnx_tensor("b1", [4], values(4)),
     onnx_tensor("w2", [3, 4], values(12)), onnx_tensor("b2", [3], values(3))], [None, 6]))
write("FuzzONNX", "matmul_add.onnx", onnx_model(
    [onnx_node("MatMul", ["input", "w"], "m"), onnx_node("Add", ["m", "b"], "a"), onnx_node("Dropout", ["a"], "d"),
     onnx_node("Sigmoid", ["d"], "output")],
    [onnx_tensor("w", [5, 2], values(10)), onnx_tensor("b", [2], values(2))], [1, 5], opset=13))
# PyTorch's convnet: NCHW, Conv, MaxPool, a Reshape by an int64 constant, Gemm.
write("FuzzONNX", "torch_convnet.onnx", onnx_model(
    [onnx_node("Conv", ["input", "k", "kb"], "c", kernel_shape=[3, 3], pads=[1, 1, 1, 1]), onnx_node("Relu", ["c"], "r"),
     onnx_node("MaxPool", ["r"], "p", kernel_shape=[2, 2], strides=[2, 2]),
     onnx_node("Reshape", ["p", "shape"], "f"), onnx_node("Gemm", ["f", "w", "b"], "output", transB=1)],
    [onnx_tensor("k", [2, 1, 3, 3], values(18)), onnx_tensor("kb", [2], values(2)),
     onnx_tensor("shape", [2], ints=[-1, 8]), onnx_tensor("w", [3, 8], values(24)), onnx_tensor("b", [3], values(3))],
    [None, 1, 4, 4]))
# Keras's convnet through tf2onnx: NHWC with Transposes around Conv, BatchNormalization,
# AveragePool, a Reshape target computed by Shape, Gather, Unsqueeze and Concat.
write("FuzzONNX", "keras_convnet.onnx", onnx_model(
    [onnx_node("Transpose", ["input"], "t", perm=[0, 3, 1, 2]),
     onnx_node("Conv", ["t", "k"], "c", auto_pad="SAME_UPPER", strides=[1, 1]),
     onnx_node("BatchNormalization", ["c", "g", "beta", "mean", "var"], "n", epsilon=0.001, momentum=0.99),
     onnx_node("Tanh", ["n"], "a"), onnx_node("AveragePool", ["a"], "p", kernel_shape=[2, 2], strides=[2, 2]),
     onnx_node("Transpose", ["p"], "back", perm=[0, 2, 3, 1]), onnx_node("Shape", ["back"], "s"),
     onnx_node("Constant", [], "zero", value_int=0), onnx_node("Gather", ["s", "zero"], "n0", axis=0),
     onnx_node("Unsqueeze", ["n0", "axes"], "n1"), onnx_node("Concat", ["n1", "rest"], "target", axis=0),
     onnx_node("Reshape", ["back", "target"], "f"), onnx_node("MatMul", ["f", "w"], "m"),
     onnx_node("Add", ["m", "b"], "output")],
    [onnx_tensor("k", [2, 1, 3, 3], values(18)), onnx_tensor("g", [2], [1.0, 1.5]), onnx_tensor("beta", [2], values(2)),
     onnx_tensor("mean", [2], values(2)), onnx_tensor("var", [2], [1.0, 0.5]), onnx_tensor("axes", [1], ints=[0]),
     onnx_tensor("rest", [1], ints=[-1]), onnx_tensor("w", [8, 2], values(16)), onnx_tensor("b", [2], values(2))],
    [None, 4, 4, 1]))
# Flaws that reach deep before failing: external data, a cycle, an op Perceptron lacks.
write("FuzzONNX", "external_data.onnx", onnx_model(
    [onnx_node("MatMul", ["input", "w"], "output")], [onnx_tensor("w", [5, 2], external="w.bin")], [None, 5]))
write("FuzzONNX", "cycle.onnx", onnx_model(
    [onnx_node("Add", ["input", "c"], "a"), onnx_node("Relu", ["a"], "c"), onnx_node("Identity", ["c"], "output")], [], [None, 2]))
write("FuzzONNX", "unsupported_op.onnx", onnx_model([onnx_node("Erf", ["input"], "output")], [], [None, 2]))
