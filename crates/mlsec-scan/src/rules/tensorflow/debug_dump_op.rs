declare_rule! {
    /// ## What it detects
    /// tfdbg ops in a saved graph: `DebugIdentityV2` and `DebugIdentityV3` always, and the V1
    /// `DebugIdentity`, `DebugNanCount` and `DebugNumericSummary` when they name
    /// `debug_urls`.
    ///
    /// ## Why it matters
    /// These ops write the tensors flowing through them to a dump directory (`file://`) or
    /// stream them to a server (`grpc://`): inputs, outputs and weights leave the process, and
    /// the dump files land wherever the URL says. They are inserted by a debugger session, so
    /// a model that ships them was either saved mid-debugging or tampered with.
    ///
    /// ## Example
    /// `{op: "DebugIdentityV2", input: "y", attr {debug_urls: "file:///tmp/dump"}}`.
    ///
    /// ## References
    /// CWE-73, CWE-200; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model),
    /// AML.T0024 (Exfiltration via AI Inference API); OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "TFS004",
        name: "tf-debug-dump-op",
        family: TensorFlow,
        severity: Critical,
        summary: "TensorFlow graph dumps tensors to a debug URL or directory",
    };
}
