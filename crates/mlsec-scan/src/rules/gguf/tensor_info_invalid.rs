declare_rule! {
    /// ## What it detects
    /// GGUF tensor descriptions that do not fit the file: more than four dimensions, a zero
    /// or overflowing element count, a first dimension that is not a multiple of the block
    /// size of its type, an offset not aligned to `general.alignment`, duplicate tensor names
    /// (medium), and tensor data that runs past the end of the file or overlaps another
    /// tensor (high).
    ///
    /// ## Why it matters
    /// Loaders map tensor data straight from these offsets and sizes; out-of-bounds or
    /// overlapping descriptions have led to out-of-bounds reads and writes in GGUF loaders,
    /// and inconsistent layouts hide data from tools that trust the description.
    ///
    /// ## Example
    /// A tensor of 4096 x 4096 F32 values at offset 0 in a 1 MiB file.
    ///
    /// ## References
    /// CWE-125, CWE-787, CWE-20; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise:
    /// Model); OWASP ML06:2023 (AI Supply Chain Attacks), ML10:2023 (Model Poisoning).
    pub static RULE = {
        code: "GGF004",
        name: "gguf-tensor-info-invalid",
        family: Gguf,
        severity: Medium,
        summary: "GGUF tensor description is inconsistent with its type, alignment or the file size",
    };
}
