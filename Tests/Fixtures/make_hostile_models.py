#!/usr/bin/env python3
"""Hostile inputs: files crafted as an attacker would, one per attack class of issue 14. Each must
be refused by edgec in one line with an exit status below 128, in seconds and within 2 GiB.
HostileInputTests runs edgec on every file listed in hostile/cases.tsv.

Run from the repo root:  python3 Tests/Fixtures/make_hostile_models.py
(needs numpy and onnx: the interpreter `bash .ci/python-env` prints)
"""
import io
import os
import struct
import zipfile
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hostile")
BIG = 1 << 62
CASES = []  # (file, verb, what the one line must mention)


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "hostile", inputs, outputs,
                              initializer=[numpy_helper.from_array(a, n) for n, a in inits])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="edgec-fixtures")
    m.ir_version = 8
    return m


def vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def save(m, name, verbs, mention):
    # onnx.save_model runs no checker: these graphs are wrong on purpose.
    onnx.save_model(m, os.path.join(OUT, name))
    for verb in verbs:
        CASES.append((name, verb, mention))


def conv(name, mention, x_shape=(1, 2, 8, 8), w_shape=(2, 1, 3, 3), transpose=False, **attributes):
    w = np.zeros(w_shape, np.float32)
    node = helper.make_node("ConvTranspose" if transpose else "Conv", ["x", "w"], ["y"], name="conv", **attributes)
    save(model([node], [vi("x", list(x_shape))], [vi("y", None)], [("w", w)]), name, ["inspect", "compile"], mention)


def attribute_attacks():
    conv("conv_group_huge.onnx", "group", group=BIG)
    conv("conv_dilations_huge.onnx", "dilations", dilations=[BIG, BIG])
    conv("conv_pads_huge.onnx", "pads", pads=[BIG, BIG, BIG, BIG])
    conv("conv_strides_huge.onnx", "strides", strides=[BIG, BIG])
    conv("convtranspose_strides_huge.onnx", "strides", transpose=True, w_shape=(2, 1, 3, 3), strides=[BIG, BIG])
    conv("convtranspose_output_padding_huge.onnx", "output_padding", transpose=True, w_shape=(2, 1, 3, 3),
         strides=[2, 2], output_padding=[BIG, BIG])
    # Within 32 bits each, but their products overflow 64 bits once multiplied by a large input.
    conv("convtranspose_output_too_large.onnx", "overflows", transpose=True, x_shape=(1, 2, 4, 4),
         w_shape=(2, 1, 3, 3), strides=[2147483647, 2147483647])
    conv("conv_dilations_pads_32bit.onnx", "conv", x_shape=(1, 2, 4, 4), w_shape=(2, 2, 3, 3),
         dilations=[2147483647, 2147483647], pads=[2147483647, 0, 2147483647, 0])


def count_attacks():
    # Dimensions whose product overflows 64 bits, declared on the graph input.
    relu = helper.make_node("Relu", ["x"], ["y"], name="relu")
    save(model([relu], [vi("x", [1 << 40, 1 << 40, 1 << 40])], [vi("y", None)]),
         "element_count_overflow.onnx", ["inspect", "compile"], "overflows")
    # An empty ConstantOfShape whose other dimensions overflow 64 bits (the fuzzer's find): 0
    # elements, but strides that do not fit.
    shape = np.array([1 << 40, 1 << 40, 0], np.int64)
    filled = helper.make_node("ConstantOfShape", ["shape"], ["c"], name="fill",
                              value=helper.make_tensor("value", TensorProto.FLOAT, [1], [1.0]))
    save(model([filled, helper.make_node("Relu", ["c"], ["y"], name="relu")], [], [vi("y", None)], [("shape", shape)]),
         "empty_constant_of_shape_overflow.onnx", ["inspect", "compile"], "multiply beyond 64 bits")
    # Pad by 2^40: the output would have a dimension of 2^40.
    pads = np.array([0, 0, 0, 1 << 40, 0, 0, 0, 0], np.int64)
    pad = helper.make_node("Pad", ["x", "pads"], ["y"], name="pad")
    save(model([pad], [vi("x", [1, 1, 4, 4])], [vi("y", None)], [("pads", pads)]),
         "pad_2_40.onnx", ["inspect", "compile"], "bytes")
    # Pad by -2^40 at the start and +2^40 at the end: the shape stays, the field would not fit.
    pads = np.array([0, 0, 0, -(1 << 40), 0, 0, 0, 1 << 40], np.int64)
    save(model([pad], [vi("x", [1, 1, 4, 4])], [vi("y", None)], [("pads", pads)]),
         "pad_begin_end_2_40.onnx", ["compile"], "32 bits")
    # Resize by 1e9 on both spatial axes, and by infinity.
    for name, scale in (("resize_scale_1e9.onnx", 1e9), ("resize_scale_inf.onnx", float("inf"))):
        scales = np.array([1, 1, scale, scale], np.float32)
        resize = helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize", mode="nearest")
        save(model([resize], [vi("x", [1, 1, 4, 4])], [vi("y", None)], [("scales", scales)]),
             name, ["inspect", "compile"], "resize")


def allocation_attacks():
    # ConstantOfShape of 16 GiB of float32, and an Expand to 4 GiB.
    shape = np.array([4, 1 << 30], np.int64)
    filled = helper.make_node("ConstantOfShape", ["shape"], ["c"], name="fill",
                              value=helper.make_tensor("value", TensorProto.FLOAT, [1], [1.0]))
    add = helper.make_node("Add", ["x", "c"], ["y"], name="add")
    save(model([filled, add], [vi("x", [1])], [vi("y", None)], [("shape", shape)]),
         "constant_of_shape_16gib.onnx", ["inspect", "compile"], "EDGEC_MAX_TENSOR_BYTES")
    target = np.array([1 << 30, 4], np.int64)
    expand = helper.make_node("Expand", ["x", "target"], ["y"], name="expand")
    relu = helper.make_node("Relu", ["y"], ["z"], name="relu")
    save(model([expand, relu], [vi("x", [1, 1])], [vi("z", None)], [("target", target)]),
         "expand_4gib.onnx", ["inspect", "compile"], "EDGEC_MAX_TENSOR_BYTES")
    # Folded constants that together pass 2 GiB (8 bytes counted per element) although each is below it: 4 x 300 MB of ones.
    nodes, inits = [], []
    for i in range(4):
        inits.append(("shape%d" % i, np.array([75 << 20], np.int64)))
        nodes.append(helper.make_node("ConstantOfShape", ["shape%d" % i], ["c%d" % i], name="fill%d" % i,
                                      value=helper.make_tensor("value", TensorProto.FLOAT, [1], [1.0])))
    nodes.append(helper.make_node("Sum", ["c0", "c1", "c2", "c3"], ["s"], name="sum"))
    nodes.append(helper.make_node("Add", ["x", "s"], ["y"], name="add"))
    save(model(nodes, [vi("x", [1])], [vi("y", None)], inits),
         "folded_constants_over_budget.onnx", ["inspect"], "EDGEC_MAX_FOLDED_BYTES")


def message_cases():
    """Inputs whose refusal must say what and where."""
    # A model cut off inside its graph: the error names the byte and the field path.
    digits = open(os.path.join(HERE, "digits", "digits_cnn.onnx"), "rb").read()
    with open(os.path.join(OUT, "truncated_in_graph.onnx"), "wb") as f:
        f.write(digits[: len(digits) // 2])
    CASES.append(("truncated_in_graph.onnx", "inspect", "at byte"))
    # An element type ONNX does not define.
    relu = helper.make_node("Relu", ["x"], ["y"], name="relu")
    save(model([relu], [vi("x", [1, 4], elem=2147483647)], [vi("y", None)]),
         "unknown_element_type.onnx", ["inspect"], "unknown (2147483647)")
    # Pad-18 with four axes and four pads (it needs eight): the count it needs is said.
    pad = helper.make_node("Pad", ["x", "pads", "", "axes"], ["y"], name="pad")
    save(model([pad], [vi("x", [1, 1, 4, 4])], [vi("y", None)],
               [("pads", np.zeros([4], np.int64)), ("axes", np.arange(4, dtype=np.int64))], opset=18),
         "pad_count.onnx", ["inspect"], "4 axes need 8")


def index_layout_attacks():
    """DepthToSpace, Tile, TopK and CumSum with attributes and parameter inputs no model needs."""
    # Tile by 2^62: the output's first dimension overflows 64 bits.
    tile = helper.make_node("Tile", ["x", "repeats"], ["y"], name="tile")
    save(model([tile], [vi("x", [2, 3])], [vi("y", None)], [("repeats", np.array([BIG, 4], np.int64))]),
         "tile_repeats_overflow.onnx", ["inspect", "compile"], "overflows")
    # Repeats computed at run time: the node is named, nothing traps.
    save(model([tile], [vi("x", [2, 3]), vi("repeats", [2], TensorProto.INT64)], [vi("y", None)]),
         "tile_dynamic_repeats.onnx", ["compile"], "Tile node 'tile': repeats ('repeats') is computed at run time")
    # A block of 2^31 - 1: its square does not divide 4 channels.
    d2s = helper.make_node("DepthToSpace", ["x"], ["y"], name="d2s", blocksize=2147483647)
    save(model([d2s], [vi("x", [1, 4, 8, 8])], [vi("y", None)]), "depth_to_space_block_huge.onnx", ["inspect", "compile"], "blocksize")
    # k of 2^62 along an axis of 7, and k computed at run time.
    topk = helper.make_node("TopK", ["x", "k"], ["values", "indices"], name="topk")
    save(model([topk], [vi("x", [3, 7])], [vi("values", None), vi("indices", None, TensorProto.INT64)], [("k", np.array([BIG], np.int64))]),
         "topk_k_huge.onnx", ["compile"], "outside 0...7")
    save(model([topk], [vi("x", [3, 7]), vi("k", [1], TensorProto.INT64)], [vi("values", None), vi("indices", None, TensorProto.INT64)]),
         "topk_dynamic_k.onnx", ["compile"], "TopK node 'topk': k ('k') is computed at run time")
    # A CumSum axis of 2^62.
    cumsum = helper.make_node("CumSum", ["x", "axis"], ["y"], name="cumsum")
    save(model([cumsum], [vi("x", [3, 7])], [vi("y", None)], [("axis", np.array(BIG, np.int64))]),
         "cumsum_axis_huge.onnx", ["compile"], "out of range")


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def archive_attacks():
    """Calibration data for the digits CNN (input [1,1,8,8]) that is damaged or hostile."""
    x = np.zeros([4, 1, 8, 8], np.float32)
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        # A fixed time stamp, so that the files come out byte for byte the same on every run.
        entry = zipfile.ZipInfo("input.npy", date_time=(1980, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(entry, npy_bytes(x))
    data = bytearray(good.getvalue())
    eocd = data.rfind(b"PK\x05\x06")
    central = struct.unpack_from("<I", data, eocd + 16)[0]

    def write(name, payload, mention):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes(payload))
        CASES.append((name, "quantize", mention))

    bad = bytearray(data)
    struct.pack_into("<I", bad, eocd + 16, len(data) + 1000)  # central directory past the end
    write("npz_central_directory_offset.npz", bad, "npz")
    bad = bytearray(data)
    struct.pack_into("<I", bad, central + 42, 0xFFFFFFF0)  # local header offset past the end
    write("npz_local_header_offset.npz", bad, "npz")
    write("npz_no_directory.npz", data[:eocd], "npz")

    # A zip bomb: a header that claims 4 samples and a deflate stream of 64 MiB of zeros behind it.
    header = npy_bytes(x)[:128]
    stream = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = stream.compress(header) + stream.compress(bytes(64 << 20)) + stream.flush()
    # Written by hand: local header, the deflated body, central directory, end record.
    name = b"input.npy"
    size = len(header) + (64 << 20)
    crc = zlib.crc32(bytes(64 << 20), zlib.crc32(header))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(body), size, len(name), 0) + name
    directory = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(body), size,
                            len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(directory), len(local) + len(body), 0)
    write("npz_bomb.npz", local + body + directory + end, "npz")

    # Finite calibration values near the float limit.
    huge = np.full([4, 1, 8, 8], 1e38, np.float32)
    huge[:, :, ::2, ::2] = -3e38
    with open(os.path.join(OUT, "calibration_1e38.npy"), "wb") as f:
        np.save(f, huge)
    CASES.append(("calibration_1e38.npy", "quantize", "calibration"))


def main():
    os.makedirs(OUT, exist_ok=True)
    attribute_attacks()
    count_attacks()
    allocation_attacks()
    archive_attacks()
    message_cases()
    index_layout_attacks()
    with open(os.path.join(OUT, "cases.tsv"), "w") as f:
        f.write("# file\tverb\tmention (case-insensitive)\n")
        for name, verb, mention in CASES:
            f.write("%s\t%s\t%s\n" % (name, verb, mention))
    print("wrote %d files, %d cases" % (len(set(c[0] for c in CASES)), len(CASES)))


if __name__ == "__main__":
    main()
