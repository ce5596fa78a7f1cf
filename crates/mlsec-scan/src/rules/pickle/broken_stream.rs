declare_rule! {
    /// ## What it detects
    /// A pickle stream that breaks (invalid opcode, truncation, bad memo key, stack underflow)
    /// after it has already made calls. Everything before the break is still analysed; the
    /// break itself is also recorded as an incomplete scan.
    ///
    /// ## Why it matters
    /// Loaders run each call as they reach it, so a payload placed before deliberate garbage
    /// executes and then the load "fails". Scanners that give up on a parse error report
    /// nothing (ReversingLabs "nullifAI").
    ///
    /// ## Example
    /// `\x80\x02cposix\nsystem\n(X...tR` followed by `\x00\xffgarbage` and no STOP.
    ///
    /// ## References
    /// CWE-502, CWE-20; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023;
    /// ReversingLabs nullifAI (2025).
    pub static RULE = {
        code: "PKL006",
        name: "pickle-broken-after-calls",
        family: Pickle,
        severity: Medium,
        summary: "Pickle stream breaks after it has already made calls",
    };
}
