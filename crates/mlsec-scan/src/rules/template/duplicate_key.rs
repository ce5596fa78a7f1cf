declare_rule! {
    /// ## What it detects
    /// A JSON object with the same template key twice (for example two `chat_template`
    /// members in a `tokenizer_config.json`).
    ///
    /// ## Why it matters
    /// Python's `json` keeps the last value; other parsers and scanners keep the first. A
    /// benign first template can hide a malicious second one from a checker while the serving
    /// stack renders the second. mlsec analyses both; this finding says the file is built to
    /// confuse parsers.
    ///
    /// ## Example
    /// `{"chat_template": "{{ messages }}", "chat_template": "{{ cycler.__init__ }}"}`.
    ///
    /// ## References
    /// CWE-436, CWE-1336; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "TPL004",
        name: "template-duplicate-key",
        family: Template,
        severity: Medium,
        summary: "JSON object repeats a template key, so parsers disagree on which template is used",
    };
}
