declare_rule! {
    /// ## What it detects
    /// A safetensors header length (the first 8 bytes, little endian) that points past the
    /// end of the file or exceeds the header limit (100 MB by default, the reference
    /// implementation's own cap), or a file too short to hold it.
    ///
    /// ## Why it matters
    /// Readers that trust the length allocate it before reading: a length of 2^40 is a
    /// denial of service against naive loaders and scanners. The reference loader rejects
    /// the file, so it cannot be a working model; it is either corrupt or built to break
    /// tools.
    ///
    /// ## Example
    /// A file whose first 8 bytes are `00 00 00 00 00 01 00 00` (2^40) followed by a 120-byte
    /// JSON header.
    ///
    /// ## References
    /// CWE-789, CWE-20; MITRE ATLAS AML.T0029 (Denial of AI Service); OWASP ML06:2023 (AI
    /// Supply Chain Attacks).
    pub static RULE = {
        code: "SFT001",
        name: "safetensors-header-length-invalid",
        family: Safetensors,
        severity: Medium,
        summary: "safetensors header length exceeds the file or the header limit",
    };
}
