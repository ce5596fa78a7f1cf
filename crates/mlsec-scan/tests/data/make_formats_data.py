"""Regenerates the HDF5 and GGUF test files of the formats readers.

Run with a Python that has h5py, numpy and gguf (the repo's corpus venv has them):
    python crates/mlsec-scan/tests/data/make_formats_data.py crates/mlsec-scan/tests/data
Nothing here is executed by the tests; the bytecode in the Lambda fixtures only names
`os.system` and is never loaded.
"""
import base64
import json
import marshal
import os
import sys

import gguf
import h5py
import numpy as np

OUT = sys.argv[1]


def lambda_b64() -> str:
    f = lambda x: (__import__("os").system("echo mlsec-fixture"), x)[1]  # noqa: E731
    return base64.b64encode(marshal.dumps(f.__code__)).decode()


def keras2_config(lam: bool, pad_layers: int = 0) -> str:
    layers = [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "input_1"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 8, "activation": "relu", "use_bias": True}},
    ]
    for i in range(pad_layers):
        layers.append({"class_name": "Dense", "config": {"name": f"pad_{i:05d}", "units": 8, "activation": "linear"}})
    if lam:
        layers.append({"class_name": "Lambda", "config": {"name": "lambda", "function": [lambda_b64(), None, None],
                                                           "function_type": "lambda", "module": "__main__",
                                                           "output_shape": None, "arguments": {}}})
    layers.append({"class_name": "Dense", "config": {"name": "dense_1", "units": 2, "activation": "softmax"}})
    return json.dumps({"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}})


TRAINING = json.dumps({"loss": "mse", "metrics": ["mae"], "optimizer_config": {"class_name": "Adam", "config": {"learning_rate": 0.001}}})


def h5(name, libver, attrs, extra=0):
    with h5py.File(os.path.join(OUT, name), "w", libver=libver) as f:
        for i in range(extra):
            f.attrs[f"note_{i}"] = f"value {i}"
        for k, v in attrs.items():
            f.attrs[k] = v
        f.create_dataset("model_weights/dense/kernel:0", data=np.ones((4, 8), dtype="float32"))


h5("keras2_lambda.h5", "earliest", {"keras_version": "2.15.0", "model_config": keras2_config(True)})
h5("keras2_lambda_dense.h5", "latest", {"model_config": keras2_config(True), "training_config": TRAINING}, extra=12)
h5("keras2_lambda_huge.h5", "latest", {"model_config": np.bytes_(keras2_config(True, pad_layers=700).encode())})
h5("keras2_benign_dense.h5", "latest", {"model_config": keras2_config(False), "training_config": TRAINING}, extra=12)
with h5py.File(os.path.join(OUT, "weights_only.h5"), "w") as f:
    f.create_dataset("layers/dense/vars/0", data=np.ones((4, 8), dtype="float32"))

LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)
SSTI = "{{ cycler.__init__.__globals__.os.popen('echo mlsec-fixture').read() }}"


def gguf_file(name, kv):
    w = gguf.GGUFWriter(os.path.join(OUT, name), "llama")
    w.add_name("tiny")
    w.add_context_length(2048)
    for k, v in kv.items():
        w.add_string(k, v)
    w.add_tensor("tok_embd.weight", np.ones((4, 32), dtype=np.float32))
    w.add_tensor("output.weight", np.ones((2, 32), dtype=np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


gguf_file("llama3_template.gguf", {"tokenizer.chat_template": LLAMA3})
gguf_file("named_template_ssti.gguf", {"tokenizer.chat_template": LLAMA3, "tokenizer.chat_template.tool_use": SSTI})
