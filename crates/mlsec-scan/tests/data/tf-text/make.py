"""Makes the text-format TensorFlow fixtures in this folder with real TensorFlow.

Run with a Python that has tensorflow-cpu (2.21.0 was used):
    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu==2.21.0
    /tmp/tfvenv/bin/python crates/mlsec-scan/tests/data/tf-text/make.py

Each SavedModel is saved by tf.saved_model.save, its saved_model.pb kept (as NAME.saved_model.pb) and
rewritten as saved_model.pbtxt with protobuf's text_format, the .pb deleted, and the directory loaded
again with tf.saved_model.load to prove TensorFlow accepts the text form. The hand-obfuscated
variant is checked the same way, and its ReadFile is shown to run on load + call.
"""
import os
import shutil
import sys
import tempfile

import tensorflow as tf
from google.protobuf import text_format
from tensorflow.core.protobuf import saved_model_pb2

HERE = os.path.dirname(os.path.abspath(__file__))


def to_text(src_dir, dst_name):
    pb = os.path.join(src_dir, "saved_model.pb")
    sm = saved_model_pb2.SavedModel()
    with open(pb, "rb") as f:
        sm.ParseFromString(f.read())
    text = text_format.MessageToString(sm)
    # The binary form is kept too: the tests check that both forms give the same findings.
    shutil.copy(pb, os.path.join(HERE, dst_name.replace(".pbtxt", ".pb")))
    os.remove(pb)
    with open(os.path.join(src_dir, "saved_model.pbtxt"), "w") as f:
        f.write(text)
    loaded = tf.saved_model.load(src_dir)  # TensorFlow reads the text form
    shutil.copy(os.path.join(src_dir, "saved_model.pbtxt"), os.path.join(HERE, dst_name))
    return loaded


class Benign(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w))


class ReadsFile(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([], tf.string)])
    def __call__(self, x):
        return tf.strings.join([x, tf.io.read_file("/etc/hostname")])


class WritesFile(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([], tf.string)])
    def __call__(self, x):
        tf.io.write_file("/tmp/mlsec-fixture-owned", x)
        return x


class PyFunc(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def __call__(self, x):
        return tf.py_function(lambda v: v * 2, [x], tf.float32)


def main():
    tmp = tempfile.mkdtemp()
    try:
        for name, obj in [
            ("benign_module", Benign()),
            ("readfile", ReadsFile()),
            ("writefile", WritesFile()),
            ("pyfunc", PyFunc()),
        ]:
            d = os.path.join(tmp, name)
            tf.saved_model.save(obj, d)
            to_text(d, f"{name}.saved_model.pbtxt")

        d = os.path.join(tmp, "obf")
        tf.saved_model.save(ReadsFile(), d)
        sm = saved_model_pb2.SavedModel()
        with open(os.path.join(d, "saved_model.pb"), "rb") as f:
            sm.ParseFromString(f.read())
        text = text_format.MessageToString(sm)
        # Swap one `{ ... }` node_def for `< ... >`: find the ReadFile node's block.
        i = text.index('op: "ReadFile"')
        start = text.rindex("node_def {", 0, i)
        depth, j = 0, start + len("node_def ")
        while True:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        block = text[start:j + 1]
        new = "node_def <" + block[len("node_def {"):-1] + ">"
        new = new.replace('op: "ReadFile"', "# looks harmless\n      op: 'Read\\x46' \"\\151le\"")
        text = text[:start] + new + text[j + 1:]
        os.remove(os.path.join(d, "saved_model.pb"))
        with open(os.path.join(d, "saved_model.pbtxt"), "w") as f:
            f.write(text)
        check = saved_model_pb2.SavedModel()
        text_format.Merge(text, check)
        ops = [n.op for m in check.meta_graphs for fn in m.graph_def.library.function for n in fn.node_def]
        assert "ReadFile" in ops, ops
        loaded = tf.saved_model.load(d)
        out = loaded(tf.constant("host: ")).numpy()
        print("obfuscated pbtxt loaded; its ReadFile ran:", out[:40])
        shutil.copy(os.path.join(d, "saved_model.pbtxt"), os.path.join(HERE, "readfile_obfuscated.saved_model.pbtxt"))

        # A text GraphDef (tf.io.write_graph as_text) with a WriteFile node.
        g = tf.Graph()
        with g.as_default():
            c = tf.constant("data", name="contents")
            tf.io.write_file("/tmp/mlsec-fixture-graph", c, name="drop")
        tf.io.write_graph(g.as_graph_def(), HERE, "writefile.graph.pbtxt", as_text=True)
        g2 = tf.Graph()
        with g2.as_default():
            x = tf.constant([[1.0, 2.0]], name="x")
            tf.matmul(x, tf.constant([[1.0], [1.0]]), name="y")
        tf.io.write_graph(g2.as_graph_def(), HERE, "benign.graph.pbtxt", as_text=True)
    finally:
        shutil.rmtree(tmp)
    print("tensorflow", tf.__version__)


if __name__ == "__main__":
    sys.exit(main())
