declare_rule! {
    /// ## What it detects
    /// `"safe_mode": false` anywhere in a Keras config, typically in the `arguments` of a
    /// `Lambda` layer or the config of a nested loader call.
    ///
    /// ## Why it matters
    /// Safe mode is what stops Keras from rebuilding `lambda` bytecode. A config that passes
    /// `safe_mode=False` to a nested `load_model` turns the protection off for the model it
    /// loads (CVE-2025-9906); benign saved models never contain this key.
    ///
    /// ## Example
    /// `"arguments": {"safe_mode": false}` next to a `Lambda` calling `keras.models.load_model`.
    ///
    /// ## References
    /// CWE-693, CWE-502; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts);
    /// OWASP ML06:2023 (AI Supply Chain Attacks); CVE-2025-9906.
    pub static RULE = {
        code: "KRS005",
        name: "keras-safe-mode-disabled",
        family: Keras,
        severity: High,
        summary: "Keras config passes safe_mode=false to a nested load",
    };
}
