declare_rule! {
    /// ## What it detects
    /// A Keras config object registered under a custom name (`registered_name` such as
    /// `"my_package>MyLayer"`, or a Keras 2 `class_name` such as `"Custom>MyLayer"`) whose
    /// package is not Keras itself.
    ///
    /// ## Why it matters
    /// Such objects only load with the author's Python code registered or passed as
    /// `custom_objects`; that code runs with the model's config as input. The model is not
    /// self-contained, and whoever ships the custom code decides what loading does.
    ///
    /// ## Example
    /// `{"module": "my_package.layers", "class_name": "Gate", "registered_name": "my_package>Gate"}`.
    ///
    /// ## References
    /// CWE-829, CWE-502; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "KRS004",
        name: "keras-custom-object",
        family: Keras,
        severity: Medium,
        summary: "Keras config needs custom registered objects (code outside the model) to load",
    };
}
