declare_rule! {
    /// ## What it detects
    /// A `PrintV2` node whose `output_stream` attribute is not one of the standard streams
    /// (`stderr`, `stdout`, `log(info)`, `log(warning)`, `log(error)`), for instance
    /// `file:///path`.
    ///
    /// ## Why it matters
    /// `PrintV2` with a `file://` stream appends the printed tensors to that file. Combined
    /// with `MatchingFiles` or `ReadFile` it turns a model into a tool that copies or lists
    /// files, or appends attacker-chosen text to a file the server can write. `tf.print` to a
    /// standard stream, the common case, is not reported.
    ///
    /// ## Example
    /// `{op: "PrintV2", input: "ls", attr {output_stream: "file:///tmp/out"}}`.
    ///
    /// ## References
    /// CWE-73; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model), AML.T0011.000
    /// (User Execution: Unsafe ML Artifacts); OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "TFS003",
        name: "tf-print-to-file",
        family: TensorFlow,
        severity: Critical,
        summary: "TensorFlow PrintV2 writes to a file instead of a standard stream",
    };
}
