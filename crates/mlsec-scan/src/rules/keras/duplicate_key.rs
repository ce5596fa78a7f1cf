declare_rule! {
    /// ## What it detects
    /// A JSON object in a Keras config that has the same key twice.
    ///
    /// ## Why it matters
    /// Keras writes configs with `json.dumps`, which never repeats a key. Python's `json` keeps
    /// the last value while other parsers (and some scanners) keep the first, so a duplicate
    /// lets a file show one layer to a checker and load another. mlsec analyses every copy.
    ///
    /// ## Example
    /// `{"class_name": "Dense", "class_name": "Lambda", "config": {...}}`.
    ///
    /// ## References
    /// CWE-436, CWE-20; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "KRS007",
        name: "keras-config-duplicate-key",
        family: Keras,
        severity: Medium,
        summary: "Keras config repeats a JSON key, so parsers disagree on its value",
    };
}
