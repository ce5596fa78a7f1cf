declare_rule! {
    /// ## What it detects
    /// A `Lambda` layer whose function is a named function (not bytecode) that is neither a
    /// Keras built-in nor in a compute namespace (`keras.ops`, `keras.activations`,
    /// `keras.backend`, `tensorflow.math`, `tensorflow.nn`, ...): for example a function from
    /// `keras.utils`, `keras.saving`, `keras.config`, or one resolved only from custom objects.
    ///
    /// ## Why it matters
    /// A `Lambda` calls its function with the layer input and attacker-chosen `arguments` each
    /// time the model runs. Restricting module names is not enough: allowed modules contain
    /// functions that read, write or load things (the class of bypass behind CVE-2025-9906).
    /// Functions outside the compute namespaces deserve a look even when not known to be bad.
    ///
    /// ## Example
    /// `{"class_name": "Lambda", "config": {"function": {"module": "keras.utils",
    /// "class_name": "function", "config": "split_dataset"}}}`.
    ///
    /// ## References
    /// CWE-94, CWE-829; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts);
    /// OWASP ML06:2023 (AI Supply Chain Attacks); CVE-2025-9906.
    pub static RULE = {
        code: "KRS006",
        name: "keras-lambda-named-function",
        family: Keras,
        severity: High,
        summary: "Lambda layer calls a named function outside the Keras compute namespaces",
    };
}
