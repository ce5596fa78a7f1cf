declare_rule! {
    /// ## What it detects
    /// A GGUF header whose tensor count or metadata key/value count is more than the file can
    /// hold (each entry needs a minimum number of bytes) or above hard caps (1,048,576 tensors,
    /// 1,048,576 keys).
    ///
    /// ## Why it matters
    /// Loaders that reserve memory for the announced counts before reading them can be made to
    /// allocate terabytes or overflow size computations; such headers are a known denial of
    /// service and memory-corruption vector in GGUF parsers.
    ///
    /// ## Example
    /// A 300-byte file whose header announces 2^62 metadata entries.
    ///
    /// ## References
    /// CWE-789, CWE-190, CWE-20; MITRE ATLAS AML.T0029 (Denial of AI Service),
    /// AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP ML06:2023 (AI Supply Chain
    /// Attacks).
    pub static RULE = {
        code: "GGF001",
        name: "gguf-implausible-count",
        family: Gguf,
        severity: High,
        summary: "GGUF header announces more tensors or metadata entries than the file can hold",
    };
}
