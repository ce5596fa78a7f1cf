declare_rule! {
    /// ## What it detects
    /// A file whose name claims a safe or different format (`.safetensors`, `.onnx`, `.gguf`,
    /// `.npy`, `.json`, `.txt`, ...) while its content is a pickle or an archive holding one.
    ///
    /// ## Why it matters
    /// Tools that route by extension skip or mis-parse such files, and loaders such as
    /// `torch.load` or `joblib.load` accept them whatever their name. Disguising a pickle as a
    /// "safe" format is a known way past scanners that trust extensions (CVE-2025-10155).
    ///
    /// ## Example
    /// `model.safetensors` whose bytes start with `\x80\x04` (a protocol-4 pickle).
    ///
    /// ## References
    /// CWE-434, CWE-502; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks); CVE-2025-10155.
    pub static RULE = {
        code: "GEN001",
        name: "format-disguised-by-name",
        family: General,
        severity: High,
        summary: "File name claims one format while the content is a pickle or another code-carrying format",
    };
}
