declare_rule! {
    /// ## What it detects
    /// EXT1, EXT2 or EXT4 opcodes: the callable is looked up by number in the loading process's
    /// `copyreg` extension registry, so the pickle itself does not say what it imports.
    ///
    /// ## Why it matters
    /// The registry is empty unless the application fills it, and no ML framework uses it; a
    /// number that resolves to a callable in some environment hides the callable from review.
    ///
    /// ## Example
    /// `\x82\x01` (EXT1 code 1) followed by REDUCE.
    ///
    /// ## References
    /// CWE-502, CWE-829; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023.
    pub static RULE = {
        code: "PKL008",
        name: "pickle-extension-code",
        family: Pickle,
        severity: High,
        summary: "Pickle names a callable through the copyreg extension registry",
    };
}
