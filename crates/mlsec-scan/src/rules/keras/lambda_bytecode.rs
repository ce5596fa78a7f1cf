declare_rule! {
    /// ## What it detects
    /// A Keras model config holding marshalled Python bytecode: a Keras 3 `__lambda__` object
    /// (usually the `function` of a `Lambda` layer) or a Keras 2 `Lambda` layer whose
    /// `function_type` (or `output_shape_type`) is `lambda`. The evidence lists the names the
    /// bytecode refers to (`os`, `system`, `__import__`, ...), read without executing it.
    ///
    /// ## Why it matters
    /// Loading the model rebuilds the function with `marshal.loads` and runs it on the first
    /// call (Keras 2 H5 and Keras 3 with `safe_mode=False`; H5 loading ignores `safe_mode`
    /// entirely, CVE-2025-9905). The bytecode can do anything the Python process can.
    ///
    /// ## Example
    /// `{"class_name": "Lambda", "config": {"function": {"class_name": "__lambda__",
    /// "config": {"code": "4wEAAAAAAAAA..."}}}}` in `config.json` or in an H5 `model_config`.
    ///
    /// ## References
    /// CWE-94, CWE-502; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts),
    /// AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP ML06:2023 (AI Supply Chain
    /// Attacks); CVE-2024-3660, CVE-2025-9905.
    pub static RULE = {
        code: "KRS001",
        name: "keras-lambda-bytecode",
        family: Keras,
        severity: Critical,
        summary: "Keras config carries marshalled Python bytecode that runs when the model is used",
    };
}
