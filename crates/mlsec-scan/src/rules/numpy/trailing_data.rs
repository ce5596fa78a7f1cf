declare_rule! {
    /// ## What it detects
    /// Bytes after the end of a `.npy` array's data (as given by its header's dtype and shape).
    /// NumPy ignores them; the scanner reports them and scans them when they are a recognisable
    /// format.
    ///
    /// ## Why it matters
    /// Data that the reader ignores is a place to hide a second payload (a pickle read by
    /// another loader, a polyglot archive).
    ///
    /// ## Example
    /// A float32 array followed by a pickle stream.
    ///
    /// ## References
    /// CWE-506; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023.
    pub static RULE = {
        code: "NPY002",
        name: "numpy-trailing-data",
        family: Numpy,
        severity: Medium,
        summary: "Data follows the end of a NumPy array",
    };
}
