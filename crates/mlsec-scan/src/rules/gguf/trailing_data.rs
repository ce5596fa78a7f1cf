declare_rule! {
    /// ## What it detects
    /// Bytes after the end of the last tensor's data (beyond alignment padding).
    ///
    /// ## Why it matters
    /// GGUF loaders ignore them, so they can carry a second file (a zip or pickle polyglot)
    /// that other tools pick up. Alone it is not harmful; it is worth knowing where a model
    /// came from.
    ///
    /// ## Example
    /// A zip archive appended to a valid GGUF file.
    ///
    /// ## References
    /// CWE-434; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "GGF006",
        name: "gguf-trailing-data",
        family: Gguf,
        severity: Low,
        summary: "GGUF file has bytes after the last tensor's data",
    };
}
