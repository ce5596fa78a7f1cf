declare_rule! {
    /// ## What it detects
    /// Bytes that belong to no member: data before a zip's first local header, between its
    /// entries or after its end record, after a tar's end-of-archive marker, or after the end of
    /// a compressed stream. The extra bytes are scanned by content as well.
    ///
    /// ## Why it matters
    /// Such files are polyglots: one reader sees a zip, another (which looks at the start of the
    /// file) a pickle. `torch.load` decides by the first bytes while `zipfile` finds the end
    /// record anywhere near the end, so a payload can sit where only one of them looks.
    ///
    /// ## Example
    /// A protocol-2 pickle followed by a valid zip; or a zip with a pickle appended after its
    /// end-of-central-directory record.
    ///
    /// ## References
    /// CWE-436 (Interpretation Conflict), CWE-434; MITRE ATLAS AML.T0010.003 (ML Supply Chain
    /// Compromise: Model); OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "ARC007",
        name: "data-outside-archive",
        family: Archive,
        severity: Medium,
        summary: "Bytes before, between or after the archive structure (polyglot file)",
    };
}
