declare_rule! {
    /// ## What it detects
    /// A TorchScript archive: a zip with `constants.pkl` (what `torch.load` checks before it
    /// hands the file to `torch.jit.load`), whose `code/` holds the model as TorchScript
    /// source and, in the mobile form, `bytecode.pkl` holds it as instructions. Reported once
    /// per archive, at low severity, with the number of code files checked.
    ///
    /// ## Why it matters
    /// Loading a TorchScript archive compiles and runs a program: each object's
    /// `__setstate__` runs during `torch.jit.load`, `forward` at inference. PyTorch's
    /// security policy says to treat such models like executable code from their author.
    /// mlsec checks that code for file access (TRC001) and for operators from outside
    /// PyTorch (TRC002); this finding records that the artifact is a program, for policies
    /// that accept only weights (safetensors, plain `state_dict` checkpoints).
    ///
    /// ## Example
    /// The output of `torch.jit.save(torch.jit.script(model), "model.pt")`.
    ///
    /// ## References
    /// CWE-94; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts); OWASP
    /// ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "TRC003",
        name: "torchscript-program",
        family: Torch,
        severity: Low,
        summary: "TorchScript archive: the model is a program that runs when loaded",
    };
}
