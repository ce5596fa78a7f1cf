declare_rule! {
    /// ## What it detects
    /// TorchScript code that calls an operator or instantiates a class from a namespace
    /// PyTorch does not define (`ops.myext.run`, `torch.classes.myext.Loader`), or that calls
    /// the collective-communication operators of `torch.distributed` (`c10d`,
    /// `_c10d_functional`, `symm_mem`). Reported once per operator: low for custom
    /// namespaces, medium for communication.
    ///
    /// ## Why it matters
    /// A custom operator runs native code from a library the user must have loaded
    /// (torchvision's `nms`, or anything else registered under that name); whether that
    /// library is trusted is the user's decision, so the finding says which one the model
    /// needs. Communication operators send tensors to other processes when a process group
    /// exists: a model for inference has no reason to use them.
    ///
    /// ## Example
    /// `y = ops.myext.run(x)` in `code/__torch__.py`.
    ///
    /// ## References
    /// CWE-829; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP
    /// ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "TRC002",
        name: "torchscript-custom-op",
        family: Torch,
        severity: Low,
        summary: "TorchScript code needs operators from outside PyTorch or talks to other processes",
    };
}
