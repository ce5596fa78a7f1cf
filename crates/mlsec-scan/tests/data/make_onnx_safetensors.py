"""Makes the ONNX and safetensors test files in this directory with the real libraries.

Run with a Python that has onnx, numpy and safetensors:  python make_onnx_safetensors.py
Outputs are deterministic (no random data, fixed producer strings).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import save_file


def external(tensor, location):
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", "16")):
        e = tensor.external_data.add()
        e.key, e.value = k, v
    return tensor


def control_flow_model(location):
    """If inside a Loop body, a Scan, a model-local function, and an external initializer."""
    w = external(numpy_helper.from_array(np.ones((1, 4), np.float32), "W"), "weights/w.bin")
    const = helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.ones((1, 4), np.float32), "cv"))
    if location is not None:
        const = helper.make_node("Constant", [], ["c"], value=external(numpy_helper.from_array(np.ones((1, 4), np.float32), "cv"), location))
    then_g = helper.make_graph([const], "then", [], [helper.make_tensor_value_info("c", TensorProto.FLOAT, [1, 4])])
    else_g = helper.make_graph(
        [helper.make_node("Constant", [], ["z"], value=numpy_helper.from_array(np.zeros((1, 4), np.float32), "zv"))],
        "else", [], [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4])])
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("If", ["cond_in"], ["v"], then_branch=then_g, else_branch=else_g),
            helper.make_node("Add", ["acc_in", "v"], ["acc_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [1, 4]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [1, 4]),
        ],
    )
    scan_body = helper.make_graph(
        [helper.make_node("Add", ["s_in", "x_i"], ["s_out"])], "scan_body",
        [helper.make_tensor_value_info("s_in", TensorProto.FLOAT, [4]), helper.make_tensor_value_info("x_i", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [4])])
    fn = helper.make_function(
        "local.fns", "AddTwice", ["a", "b"], ["o"],
        [helper.make_node("Add", ["a", "b"], ["t"]), helper.make_node("Add", ["t", "b"], ["o"])],
        [helper.make_opsetid("", 17)])
    nodes = [
        helper.make_node("Loop", ["trip", "cond", "X"], ["acc"], body=body),
        helper.make_node("AddTwice", ["acc", "W"], ["y0"], domain="local.fns"),
        helper.make_node("Identity", ["y0"], ["Y"]),
    ]
    g = helper.make_graph(
        nodes, "control_flow",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 4]),
         helper.make_tensor_value_info("trip", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, 4])],
        initializer=[w])
    # A Scan node on a second output keeps a Scan subgraph in the model too.
    g.node.append(helper.make_node("Scan", ["s0", "X"], ["s_final"], num_scan_inputs=1, body=scan_body))
    g.input.append(helper.make_tensor_value_info("s0", TensorProto.FLOAT, [4]))
    g.output.append(helper.make_tensor_value_info("s_final", TensorProto.FLOAT, [4]))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("local.fns", 1)],
                          functions=[fn], producer_name="mlsec-tests", producer_version="1")
    m.ir_version = 8
    return m.SerializeToString()


with open("onnx_control_flow.onnx", "wb") as f:
    f.write(control_flow_model(None))
with open("onnx_control_flow_traversal.onnx", "wb") as f:
    f.write(control_flow_model("weights/../../../../etc/passwd"))

save_file(
    {
        "embed.weight": np.arange(32, dtype=np.float32).reshape(8, 4),
        "scale": np.zeros((0,), dtype=np.float32),
        "bias": np.ones((4,), dtype=np.float16),
        "mask": np.array([True, False, True, True]),
    },
    "lib_with_empty.safetensors",
    metadata={"format": "np", "note": "exec('import os') is only text"},
)
