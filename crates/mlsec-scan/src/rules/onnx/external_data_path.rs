declare_rule! {
    /// ## What it detects
    /// A tensor (initializer, sparse initializer, or tensor attribute of a node in any graph
    /// or subgraph) stored as external data whose `location` is absolute, climbs above the
    /// model directory with `..` after normalisation (`weights/../../x` included), contains a
    /// backslash, starts with a drive letter, is a URL or contains a control character.
    /// Names that are not UTF-8 are reported at high.
    ///
    /// ## Why it matters
    /// `onnx.load` and onnxruntime read external data from `location` relative to the model
    /// file. A location outside that directory makes loading the model read any file the
    /// process can (`/etc/shadow`, cloud credentials) into a tensor whose values inference
    /// exposes; the same paths on save write outside the directory. Path checks in the `onnx`
    /// package were bypassed several times (`..`, then `sub/../../`, then symlinks).
    ///
    /// ## Example
    /// `external_data { key: "location" value: "../../../../etc/passwd" }` with
    /// `data_location: EXTERNAL`.
    ///
    /// ## References
    /// CWE-22, CWE-73; CVE-2022-25882, CVE-2024-27318, CVE-2025-51480; MITRE ATLAS
    /// AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP ML06:2023 (AI Supply Chain
    /// Attacks).
    pub static RULE = {
        code: "ONX001",
        name: "onnx-external-data-path-escape",
        family: Onnx,
        severity: Critical,
        summary: "ONNX external data location points outside the model directory",
    };
}
