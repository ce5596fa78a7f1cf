declare_rule! {
    /// ## What it detects
    /// Bytes after the STOP of a pickle that are not part of a layout the scanner knows (legacy
    /// PyTorch storages, joblib array data): **low** when they are further complete pickle
    /// streams (each is scanned; most loaders read only the first) or padding, **medium** for
    /// anything else (also scanned when it is a recognisable format).
    ///
    /// ## Why it matters
    /// Appended data is where polyglot files and second-stage payloads hide; loaders that read
    /// several pickles from one file, or another tool reading the tail, will see it.
    ///
    /// ## Example
    /// A benign `{'a': 1}` pickle followed by a second stream calling `os.system`.
    ///
    /// ## References
    /// CWE-506, CWE-502; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023.
    pub static RULE = {
        code: "PKL007",
        name: "data-after-pickle-stop",
        family: Pickle,
        severity: Medium,
        summary: "Data follows the end of a pickle stream",
    };
}
