declare_rule! {
    /// ## What it detects
    /// A zip entry whose general-purpose flags mark it encrypted (`0x1`), patched (`0x20`),
    /// strongly encrypted (`0x40`), with an encrypted central directory (`0x2000`), or that sets
    /// reserved bits.
    ///
    /// ## Why it matters
    /// Python's `zipfile` refuses such entries, so scanners built on it skip them, while
    /// PyTorch's reader ignores the flags and loads the member as plain data. The member is read
    /// as plain data here too (as PyTorch does) and scanned; the flag is reported because model
    /// writers never set it.
    ///
    /// ## Example
    /// A `.pt` zip whose `archive/data.pkl` has flag bit `0x1` set but is stored unencrypted.
    ///
    /// ## References
    /// CWE-436 (Interpretation Conflict); MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise:
    /// Model); OWASP ML06:2023 (AI Supply Chain Attacks); GHSA-w8jq-xcqf-f792.
    pub static RULE = {
        code: "ARC005",
        name: "zip-flag-tampering",
        family: Archive,
        severity: Medium,
        summary: "Zip entry sets encryption or reserved flag bits that loaders treat differently",
    };
}
