declare_rule! {
    /// ## What it detects
    /// A safetensors header that is not one valid JSON object: invalid UTF-8 or JSON,
    /// trailing bytes after the object, nesting beyond the parser's limit, or a JSON value
    /// other than an object. When the header region holds something else that the scanner
    /// recognises (a pickle, an archive), that content is scanned as a member named `header`.
    ///
    /// ## Why it matters
    /// Loaders reject the file, so it is not a usable model; a file that looks like
    /// safetensors by name and length but carries another format in its header is built to
    /// slip past tools that trust the `.safetensors` name.
    ///
    /// ## Example
    /// Length 16 followed by `\x80\x02cos\nsystem\n...`: pickle bytes where the JSON should be.
    ///
    /// ## References
    /// CWE-20; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP ML06:2023
    /// (AI Supply Chain Attacks).
    pub static RULE = {
        code: "SFT002",
        name: "safetensors-header-not-json-object",
        family: Safetensors,
        severity: Medium,
        summary: "safetensors header is not a valid JSON object",
    };
}
