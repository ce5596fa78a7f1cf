declare_rule! {
    /// ## What it detects
    /// A node whose op type is `PyOp` (or starts with it), in any domain: onnxruntime's
    /// language-interop Python op and the onnxruntime-extensions Python custom ops. The
    /// `module`, `class_name`, `compute` or `function` attributes, when present, are quoted.
    ///
    /// ## Why it matters
    /// Running such a node calls a Python function named by the model, in the process that
    /// runs inference. Whoever can influence which module gets imported gets code execution;
    /// at best the model depends on Python code shipped outside it.
    ///
    /// ## Example
    /// `node { op_type: "PyOp" domain: "ai.onnx.contrib" attribute { name: "module" s: "evil" } }`.
    ///
    /// ## References
    /// CWE-94, CWE-829; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model),
    /// AML.T0011.000 (User Execution: Unsafe ML Artifacts); OWASP ML06:2023 (AI Supply Chain
    /// Attacks).
    pub static RULE = {
        code: "ONX004",
        name: "onnx-python-op",
        family: Onnx,
        severity: High,
        summary: "ONNX node runs Python code through a PyOp custom op",
    };
}
