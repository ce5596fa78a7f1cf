declare_rule! {
    /// ## What it detects
    /// A GGUF string or array whose length runs past the end of the file or above hard caps
    /// (strings over 64 MiB, arrays over 2^28 elements, arrays nested more than 8 deep).
    ///
    /// ## Why it matters
    /// A length field of 2^63 makes naive readers allocate huge buffers or wrap offset
    /// arithmetic, and out-of-bounds lengths have caused heap overflows in GGUF readers.
    ///
    /// ## Example
    /// The first metadata key's length field set to 0x8000000000000000.
    ///
    /// ## References
    /// CWE-125, CWE-789, CWE-190; MITRE ATLAS AML.T0029 (Denial of AI Service),
    /// AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP ML06:2023 (AI Supply Chain
    /// Attacks).
    pub static RULE = {
        code: "GGF002",
        name: "gguf-length-out-of-bounds",
        family: Gguf,
        severity: High,
        summary: "GGUF string or array length runs past the end of the file or above hard caps",
    };
}
