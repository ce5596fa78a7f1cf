declare_rule! {
    /// ## What it detects
    /// A Keras config object whose `module` is outside the Keras and TensorFlow packages
    /// (`keras`, `keras_hub`, `keras_nlp`, `keras_cv`, `tf_keras`, `tensorflow`), matched on
    /// whole module components (`kerasx` is not `keras`). Modules that run commands or code
    /// (`os`, `subprocess`, `builtins.eval`, `importlib`, `runpy`, `socket`, ...) are critical;
    /// any other unknown module is high. Keras built-in functions stored as
    /// `{"module": "builtins", "class_name": "function", "config": "relu"}` are not flagged.
    ///
    /// ## Why it matters
    /// Keras before 3.9 imported whatever `module` a config named and called the object it
    /// found (CVE-2025-1550, GHSA-48g7-3x6r-xfhp); later versions still load custom modules
    /// when the user allows them. An unknown module means code outside the model runs at load.
    ///
    /// ## Example
    /// `{"module": "os", "class_name": "system", "config": "curl ... | sh"}` as a layer entry.
    ///
    /// ## References
    /// CWE-470, CWE-502; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts),
    /// AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP ML06:2023 (AI Supply Chain
    /// Attacks); CVE-2025-1550, GHSA-48g7-3x6r-xfhp.
    pub static RULE = {
        code: "KRS003",
        name: "keras-module-outside-allowlist",
        family: Keras,
        severity: High,
        summary: "Keras config references a module outside the Keras and TensorFlow packages",
    };
}
