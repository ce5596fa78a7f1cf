declare_rule! {
    /// ## What it detects
    /// A 7z archive whose members or header are encrypted, so their content cannot be scanned.
    ///
    /// ## Why it matters
    /// Encryption hides a payload from every scanner while the password travels with the
    /// instructions ("unpack with password ..."); the nullifAI campaign shipped models inside
    /// 7z archives for the same reason. What cannot be read is reported, never passed as clean.
    ///
    /// ## Example
    /// `model.7z` created with `7z a -p -mhe=on`, holding `pytorch_model.bin`.
    ///
    /// ## References
    /// CWE-506 (Embedded Malicious Code); MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise:
    /// Model); OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "ARC010",
        name: "encrypted-archive-content",
        family: Archive,
        severity: Medium,
        summary: "Archive content is encrypted and cannot be scanned",
    };
}
