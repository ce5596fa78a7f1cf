declare_rule! {
    /// ## What it detects
    /// A node whose domain is none of the standard ONNX domains (`""`, `ai.onnx`,
    /// `ai.onnx.ml`, `ai.onnx.training`, `ai.onnx.preview.training`), is not onnxruntime's
    /// `com.microsoft` contrib set, and is not a function defined in the model itself.
    /// Reported once per distinct op.
    ///
    /// ## Why it matters
    /// A runtime can only execute such an op after the user registers a custom-op library, a
    /// native shared object that runs with the process's permissions. The model is asking
    /// for code from outside: whether that library is trusted is a policy decision, so this
    /// is a medium finding (onnxruntime-extensions' `ai.onnx.contrib` ops included: Python
    /// functions register there too).
    ///
    /// ## Example
    /// `node { op_type: "Exec" domain: "com.attacker" }` with
    /// `opset_import { domain: "com.attacker" version: 1 }`.
    ///
    /// ## References
    /// CWE-829; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP
    /// ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "ONX002",
        name: "onnx-custom-domain-op",
        family: Onnx,
        severity: Medium,
        summary: "ONNX node needs a custom-op library from a non-standard domain",
    };
}
