declare_rule! {
    /// ## What it detects
    /// A compressed member or stream that expands by more than the ratio limit (1000:1 by
    /// default, for outputs over 1 MiB), or beyond the largest member the scanner holds, or zip
    /// entries whose data overlap (the "non-recursive zip bomb" construction). Decompression
    /// stops at the limit and the rest is reported as not scanned.
    ///
    /// ## Why it matters
    /// Bombs exhaust memory and disk of whatever unpacks them (CI jobs, model hubs, scanners),
    /// and a scanner that gives up silently on them lets a payload hide behind one.
    ///
    /// ## Example
    /// A 1 MiB zip member that inflates to 1 GiB of zeros.
    ///
    /// ## References
    /// CWE-409 (Improper Handling of Highly Compressed Data), CWE-400; MITRE ATLAS AML.T0029
    /// (Denial of ML Service); OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "ARC008",
        name: "decompression-bomb",
        family: Archive,
        severity: High,
        summary: "Compressed data expands far beyond its size or past the member limit",
    };
}
