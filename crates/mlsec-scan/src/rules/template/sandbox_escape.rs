declare_rule! {
    /// ## What it detects
    /// A Jinja template that reaches Python internals: dunder attributes (`__class__`,
    /// `__mro__`, `__subclasses__`, `__globals__`, `__builtins__`, `__import__`, `__init__`,
    /// `__dict__`, `__getattribute__`, ...) or private attributes (`_module`,
    /// `_TemplateReference__context`), whether written as `.name`, `['name']`, `|attr('name')`,
    /// `map(attribute=...)`, or built at render time from pieces (`'__gl' ~ 'obals__'`,
    /// `'%c' | format(95)`, `|join`, `|replace`, `|reverse`, `.format()`, escapes such as
    /// `'\x5f'`). Reaching them from `cycler`, `joiner`, `namespace`, `lipsum`, `range`,
    /// `dict` or `self` is named in the message.
    ///
    /// ## Why it matters
    /// Chat templates are rendered by the serving stack. Outside a sandbox (llama-cpp-python
    /// before 0.2.72, CVE-2024-34359) these chains walk from any object to `os.popen` and run
    /// commands on the server; inside one they probe for sandbox gaps. No real chat template
    /// needs them.
    ///
    /// ## Example
    /// `{{ cycler.__init__.__globals__.os.popen('id').read() }}` in `tokenizer.chat_template`.
    ///
    /// ## References
    /// CWE-1336, CWE-94; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts),
    /// AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP ML06:2023 (AI Supply Chain
    /// Attacks); CVE-2024-34359.
    pub static RULE = {
        code: "TPL001",
        name: "template-sandbox-escape",
        family: Template,
        severity: Critical,
        summary: "Jinja template reaches Python internals through dunder or private attributes",
    };
}
