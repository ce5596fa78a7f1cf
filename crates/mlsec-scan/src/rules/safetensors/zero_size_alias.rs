declare_rule! {
    /// ## What it detects
    /// A zero-size tensor (no elements, `begin == end`) whose offset aliases another tensor:
    /// at high when it points strictly inside another tensor's bytes, at info when it merely
    /// shares the start offset of a non-empty tensor, which the reference loader accepts.
    ///
    /// ## Why it matters
    /// Zero-size tensors are legal, and real checkpoints contain them at tensor boundaries
    /// (empty FP8 scale tensors, for instance): reporting those above info would be a false
    /// positive, which one scanner had to retract. A zero-size tensor pointing into the middle
    /// of another tensor's data is never written by a real writer: it exists to confuse
    /// readers that take a pointer at `begin` without validating the layout (the "F002"
    /// proof of concept published against safetensors readers).
    ///
    /// ## Example
    /// `{"a": {"dtype": "U8", "shape": [32], "data_offsets": [0, 32]}, "z": {"dtype": "U8", "shape": [0], "data_offsets": [8, 8]}}`.
    ///
    /// ## References
    /// CWE-436, CWE-20; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "SFT006",
        name: "safetensors-zero-size-alias",
        family: Safetensors,
        severity: High,
        summary: "safetensors zero-size tensor points into another tensor's data",
    };
}
