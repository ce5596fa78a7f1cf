declare_rule! {
    /// ## What it detects
    /// GGUF metadata that a conforming reader rejects or misreads: an unknown version, an
    /// unknown value type, `general.alignment` that is not a power of two, a chat template
    /// that is not a string, or keys and strings that are not valid UTF-8.
    ///
    /// ## Why it matters
    /// Readers disagree on such files (one skips, one errors, one reads garbage), which is
    /// how content gets hidden from a checker and shown to a loader. Well-formed models from
    /// llama.cpp and gguf-py never contain them.
    ///
    /// ## Example
    /// A metadata entry with value type 77.
    ///
    /// ## References
    /// CWE-20, CWE-436; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "GGF003",
        name: "gguf-malformed-metadata",
        family: Gguf,
        severity: Medium,
        summary: "GGUF metadata violates the format (unknown type or version, bad alignment, invalid text)",
    };
}
