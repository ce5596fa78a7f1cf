declare_rule! {
    /// ## What it detects
    /// TorchScript code in a TorchScript archive (`torch.jit.save`, or the mobile
    /// `_save_for_lite_interpreter` form with `bytecode.pkl`) that calls an operator reading
    /// or writing files: `aten::save` (`torch.save`), `aten::from_file` (`torch.from_file`,
    /// which maps a file and, with `shared=True`, writes back to it) and
    /// `debugprims::load_tensor`, however it is spelled (`torch.save`, `ops.aten.save`,
    /// `torch.ops.aten.save`, or an operator entry of the mobile bytecode). Critical when the
    /// call sits in `__setstate__`, which `torch.jit.load` runs while it loads the file; high
    /// elsewhere (`forward` and other methods run when the model is used).
    ///
    /// ## Why it matters
    /// `torch.jit.load` (and `torch.load`, which hands TorchScript archives to it) never
    /// unpickles Python objects, so pickle scanners see nothing wrong, but the archive's
    /// `code/` is a program: a `__setstate__` that reads `/etc/passwd` or `~/.ssh/id_rsa` and
    /// writes it where the attacker's next step expects it, or that overwrites a file the
    /// user later executes, runs on load with the permissions of the process. PyTorch's
    /// security policy says to treat TorchScript models like executable code.
    ///
    /// ## Example
    /// `code/__torch__.py` holding
    /// `def __setstate__(self, state): torch.save(torch.from_file("/etc/hostname", False, 64, dtype=0), "/tmp/x")`.
    ///
    /// ## References
    /// CWE-73; CWE-502; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts); OWASP
    /// ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "TRC001",
        name: "torchscript-file-access",
        family: Torch,
        severity: Critical,
        summary: "TorchScript code reads or writes files",
    };
}
