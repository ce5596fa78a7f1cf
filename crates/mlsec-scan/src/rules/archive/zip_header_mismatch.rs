declare_rule! {
    /// ## What it detects
    /// A zip whose local file headers and central directory disagree: different name, method,
    /// sizes, CRC or flags for the same entry, local entries missing from the central directory,
    /// central entries without a valid local header, or an entry count that does not match the
    /// directory.
    ///
    /// ## Why it matters
    /// Loaders read the central directory while streaming readers and some scanners walk the
    /// local headers; a mismatch lets an attacker show each of them different bytes. Both views
    /// are scanned; the disagreement itself is reported because no legitimate writer produces it.
    ///
    /// ## Example
    /// The local header names a member `archive/data.pkl` while the central directory calls it
    /// `archive/weights.bin`.
    ///
    /// ## References
    /// CWE-436 (Interpretation Conflict); MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise:
    /// Model); OWASP ML06:2023 (AI Supply Chain Attacks); GHSA-7q5r-7gvp-wc82.
    pub static RULE = {
        code: "ARC004",
        name: "zip-header-mismatch",
        family: Archive,
        severity: High,
        summary: "Zip local headers and central directory disagree",
    };
}
