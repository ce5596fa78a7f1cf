declare_rule! {
    /// ## What it detects
    /// A Keras config object or `Lambda` function that names a Keras or TensorFlow API which
    /// loads another model, downloads or writes files, runs Python callbacks or turns safe mode
    /// off: `keras.models.load_model`, `keras.saving.load_model`, `keras.utils.get_file`,
    /// `keras.config.enable_unsafe_deserialization`, `tf.py_function`, `tf.numpy_function`,
    /// `tf.io.write_file`, `tf.load_op_library`, `tf.saved_model.load` (critical), and
    /// `TFSMLayer`, `read_file`, `gfile` functions or nested `model_from_json` (high).
    ///
    /// ## Why it matters
    /// These functions live in the modules Keras' safe mode allows, so a config can call them
    /// without any bytecode: a `Lambda` wrapping `load_model(path, safe_mode=False)` loads a
    /// second, unrestricted model (CVE-2025-9906), and `get_file` fetches attacker content or
    /// overwrites local files at load time (CVE-2025-8747). Scanners that only look for
    /// `__lambda__` or non-Keras modules miss them.
    ///
    /// ## Example
    /// `{"class_name": "Lambda", "config": {"function": {"module": "keras.models",
    /// "class_name": "function", "config": "load_model"}, "arguments": {"safe_mode": false}}}`.
    ///
    /// ## References
    /// CWE-94, CWE-829, CWE-502; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML
    /// Artifacts), AML.T0010.003 (ML Supply Chain Compromise: Model); OWASP ML06:2023 (AI Supply
    /// Chain Attacks); CVE-2025-9906, CVE-2025-8747.
    pub static RULE = {
        code: "KRS002",
        name: "keras-dangerous-api",
        family: Keras,
        severity: Critical,
        summary: "Keras config calls an API that loads models, fetches or writes files, or disables safe mode",
    };
}
