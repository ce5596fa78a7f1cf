declare_rule! {
    /// ## What it detects
    /// Two or more members of one archive with the same name (for example two
    /// `archive/data.pkl` entries in a PyTorch zip).
    ///
    /// ## Why it matters
    /// Readers disagree on which copy wins: Python's `zipfile` returns the last, others the
    /// first, and scanners often look at only one. Putting a malicious copy first and a benign
    /// one last hides the payload from a scanner while a loader runs it. Every copy is scanned;
    /// the duplicate itself is reported because no legitimate writer produces it.
    ///
    /// ## Example
    /// A `.pt` zip whose central directory lists `model/data.pkl` twice.
    ///
    /// ## References
    /// CWE-436 (Interpretation Conflict); MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise:
    /// Model); OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "ARC003",
        name: "duplicate-archive-member",
        family: Archive,
        severity: High,
        summary: "Archive holds several members with the same name",
    };
}
