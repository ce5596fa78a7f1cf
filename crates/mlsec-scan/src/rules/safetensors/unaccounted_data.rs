declare_rule! {
    /// ## What it detects
    /// Tensor data ranges that overlap, and bytes of the data region that belong to no
    /// tensor: gaps between tensors and bytes after the last one. Such bytes that the scanner
    /// recognises as a format (a pickle, an archive) are scanned as a member
    /// `data[begin..end]`.
    ///
    /// ## Why it matters
    /// The format requires tensors to cover the data region exactly, back to back. Bytes no
    /// tensor claims are a hiding place for a payload that a second-stage loader extracts
    /// while the file still passes as "just weights"; overlapping tensors make one write
    /// change two tensors and let parsers that do not validate disagree on the weights.
    /// The reference loader rejects these files, other readers do not all check.
    ///
    /// ## Example
    /// `{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}` followed by 16 bytes
    /// of tensor data and then a pickle.
    ///
    /// ## References
    /// CWE-20, CWE-436, CWE-506; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise:
    /// Model); OWASP ML06:2023 (AI Supply Chain Attacks), ML10:2023 (Model Poisoning).
    pub static RULE = {
        code: "SFT005",
        name: "safetensors-unaccounted-or-overlapping-data",
        family: Safetensors,
        severity: High,
        summary: "safetensors data has bytes no tensor owns, or tensors that overlap",
    };
}
