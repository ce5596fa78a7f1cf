declare_rule! {
    /// ## What it detects
    /// A PROTO opcode anywhere but at the start of a stream (duplicated or misplaced protocol
    /// headers). No pickler writes one there; unpicklers accept it and switch protocol.
    ///
    /// ## Why it matters
    /// Hand-assembled pickles are a sign of tampering, and some analysers key their parsing on
    /// the first protocol byte only.
    ///
    /// ## Example
    /// `\x80\x02\x80\x04` followed by the payload.
    ///
    /// ## References
    /// CWE-20, CWE-502; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023;
    /// fickling DuplicateProtoAnalysis.
    pub static RULE = {
        code: "PKL010",
        name: "pickle-protocol-anomaly",
        family: Pickle,
        severity: Low,
        summary: "PROTO opcode appears in the middle of a pickle stream",
    };
}
