declare_rule! {
    /// ## What it detects
    /// A zip, gzip or 7z member whose content does not match the CRC-32 recorded for it.
    ///
    /// ## Why it matters
    /// Python's `zipfile` raises on a bad CRC only after handing out the data, and scanners
    /// built on it abort, while PyTorch's reader never checks. A wrong CRC on a pickle member is
    /// a known way to make scanners give up on a file that still loads.
    ///
    /// ## Example
    /// A `.pt` zip whose `data.pkl` CRC field was overwritten with zeros.
    ///
    /// ## References
    /// CWE-354 (Improper Validation of Integrity Check Value), CWE-436; MITRE ATLAS
    /// AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP ML06:2023 (AI Supply Chain
    /// Attacks); CVE-2025-10156.
    pub static RULE = {
        code: "ARC006",
        name: "archive-crc-mismatch",
        family: Archive,
        severity: Medium,
        summary: "Archive member content does not match its recorded CRC",
    };
}
