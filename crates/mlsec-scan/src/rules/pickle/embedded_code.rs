declare_rule! {
    /// ## What it detects
    /// A pickle that carries a second payload or code: bytes handed to `pickle.loads`,
    /// `_pickle.loads`, `dill.loads`, `torch.load(io.BytesIO(...))`, torch's config loader,
    /// possibly after base64, hex or zlib decoding (the payload is decoded and scanned as
    /// `<nested pickle>`), or code objects and functions built at load time (`marshal.loads`,
    /// `types.CodeType`, `types.FunctionType`, dill's `_create_code`, cloudpickle's
    /// `_make_function`).
    ///
    /// ## Why it matters
    /// A nested pickle or a marshalled code object hides the real payload from scanners that
    /// only read the outer stream's globals; a function built from bytecode runs arbitrary Python
    /// once called.
    ///
    /// ## Example
    /// `types.FunctionType(marshal.loads(b'...'), {})()`.
    ///
    /// ## References
    /// CWE-502, CWE-94; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023;
    /// GHSA-565g-hwwr-4pp3, GHSA-9m3x-qqw2-h32h.
    pub static RULE = {
        code: "PKL004",
        name: "pickle-embedded-code",
        family: Pickle,
        severity: Critical,
        summary: "Pickle deserialises an embedded pickle or builds a code object",
    };
}
