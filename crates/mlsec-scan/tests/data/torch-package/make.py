"""Makes the torch.package fixtures in this folder with real PyTorch.

Run with a Python that has torch (2.15.0 from PyPI was used):
    cd crates/mlsec-scan/tests/data/torch-package && /tmp/torchvenv/bin/python make.py

The malicious package's module runs a shell command from __setstate__; the script loads it
with PackageImporter and checks that the command ran.
"""
import os
import shutil
import sys
import tempfile

import torch
from torch.package import PackageExporter, PackageImporter

HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp()
MARK = os.path.join(TMP, "owned")

BENIGN = '''import os
import torch
from typing import Optional


class Net(torch.nn.Module):
    def __init__(self, root: Optional[str] = None):
        super().__init__()
        self.vocab = os.path.join(root or ".", "vocab.txt")
        self.l = getattr(torch.nn, "Linear")(2, 2)

    def forward(self, x):
        return self.l(x)
'''

EVIL = BENIGN.replace("import os\n", "import os as o\n").replace("os.path.join", "o.path.join") + f'''

class Trojan(Net):
    def __setstate__(self, state):
        self.__dict__.update(state)
        o.system("touch {MARK}")
'''


def export(name, module_src, cls):
    src_dir = os.path.join(TMP, name)
    os.makedirs(src_dir)
    with open(os.path.join(src_dir, "netmod.py"), "w") as f:
        f.write(module_src)
    sys.path.insert(0, src_dir)
    sys.modules.pop("netmod", None)
    import netmod
    path = os.path.join(HERE, f"{name}.pt")
    with PackageExporter(path) as e:
        e.extern("torch.**")
        e.extern("typing")
        e.extern("os")
        e.extern("os.**")
        e.intern("netmod")
        e.save_pickle("model", "model.pkl", getattr(netmod, cls)())
    sys.path.remove(src_dir)
    sys.modules.pop("netmod", None)
    return path


def main():
    try:
        export("benign_package", BENIGN, "Net")
        p = export("setstate_system", EVIL, "Trojan")
        PackageImporter(p).load_pickle("model", "model.pkl")
        assert os.path.exists(MARK), "payload did not run"
        print("payload ran; torch", torch.__version__)
    finally:
        shutil.rmtree(TMP)


if __name__ == "__main__":
    sys.exit(main())
