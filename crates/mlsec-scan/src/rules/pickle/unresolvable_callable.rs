declare_rule! {
    /// ## What it detects
    /// A callable the scanner cannot name without running the pickle: a STACK_GLOBAL whose module
    /// or name is computed at load time (for example `_codecs.encode('bf', 'rot13')` → `os`), or
    /// a REDUCE/OBJ/NEWOBJ whose callable is the result of another call (`getattr(...)(...)`, a
    /// persistent id, an extension code).
    ///
    /// ## Why it matters
    /// Computing a callable's name is the classic way around scanners that read GLOBAL strings;
    /// no framework writes pickles like this. Because the target is unknown, it is treated as the
    /// worst case.
    ///
    /// ## Example
    /// `_codecs.encode('bf','rot13')` then `'system'` then STACK_GLOBAL then REDUCE.
    ///
    /// ## References
    /// CWE-502, CWE-94; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023.
    pub static RULE = {
        code: "PKL003",
        name: "unresolvable-pickle-callable",
        family: Pickle,
        severity: Critical,
        summary: "Pickle calls a callable whose name is computed at load time",
    };
}
