declare_rule! {
    /// ## What it detects
    /// A node from onnxruntime's contrib domains (`com.microsoft`, `com.microsoft.*`,
    /// `com.ms.internal.nhwc`), reported once per distinct op for information.
    ///
    /// ## Why it matters
    /// Contrib ops ship inside onnxruntime itself (fused attention, quantised matmuls), so they
    /// load no outside code; but the model then runs only on onnxruntime, and these ops see
    /// less scrutiny than the standard set. Useful for an inventory, not a risk by itself.
    ///
    /// ## Example
    /// `node { op_type: "FusedMatMul" domain: "com.microsoft" }`.
    ///
    /// ## References
    /// CWE-829; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP
    /// ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "ONX003",
        name: "onnx-contrib-op",
        family: Onnx,
        severity: Info,
        summary: "ONNX node uses an onnxruntime contrib op",
    };
}
