declare_rule! {
    /// ## What it detects
    /// A Jinja template that hides what it accesses: `|attr(...)` with a name computed at
    /// render time that the analysis cannot resolve, strings that decode to underscores or
    /// letters through escapes (`'\x5f\x5f'`, `'\137'`, `'\N{LOW LINE}'`), underscores built
    /// with `%c`/`format`, and other computed strings holding `__`.
    ///
    /// ## Why it matters
    /// Real chat templates spell out the fields they read (`message['content']`). Computing an
    /// attribute name is how template-injection payloads get past filters that look for
    /// `__class__` as literal text; the name that is finally used cannot be checked statically.
    ///
    /// ## Example
    /// `{{ ''|attr(request.args.x) }}` or `{% set u = '%c'|format(95) %}`.
    ///
    /// ## References
    /// CWE-1336, CWE-116; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts);
    /// OWASP ML06:2023 (AI Supply Chain Attacks); CVE-2024-34359.
    pub static RULE = {
        code: "TPL002",
        name: "template-obfuscated-attribute",
        family: Template,
        severity: High,
        summary: "Jinja template computes attribute names or hides characters behind escapes",
    };
}
