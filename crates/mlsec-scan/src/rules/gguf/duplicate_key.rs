declare_rule! {
    /// ## What it detects
    /// A GGUF metadata key that appears more than once.
    ///
    /// ## Why it matters
    /// llama.cpp rejects such files while other readers keep the first or the last copy, so
    /// a duplicated `tokenizer.chat_template` can show one template to a checker and another
    /// to the runtime. mlsec analyses every copy.
    ///
    /// ## Example
    /// Two `tokenizer.chat_template` entries, a benign one first.
    ///
    /// ## References
    /// CWE-436, CWE-20; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "GGF005",
        name: "gguf-duplicate-key",
        family: Gguf,
        severity: Medium,
        summary: "GGUF metadata key appears more than once, so readers disagree on its value",
    };
}
