declare_rule! {
    /// ## What it detects
    /// A key that occurs more than once in the same JSON object of a safetensors header:
    /// two tensors with one name, a repeated `__metadata__` entry, or a repeated field inside
    /// a tensor entry.
    ///
    /// ## Why it matters
    /// JSON leaves duplicate keys undefined: the reference loader and Python's `json` keep the
    /// last, other parsers keep the first or fail. Two tools then see different tensors (or
    /// different metadata) in the same file, so a file reviewed with one tool can load
    /// differently in another, and the losing entry's bytes hide in plain sight.
    ///
    /// ## Example
    /// `{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "a": {..., "data_offsets": [16, 32]}}`.
    ///
    /// ## References
    /// CWE-436, CWE-20; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks), ML10:2023 (Model Poisoning).
    pub static RULE = {
        code: "SFT003",
        name: "safetensors-duplicate-key",
        family: Safetensors,
        severity: High,
        summary: "safetensors header repeats a key, so parsers disagree on its value",
    };
}
