declare_rule! {
    /// ## What it detects
    /// Ops that touch the file system from inside a SavedModel's graph or function library:
    /// `ReadFile`, `WriteFile`, `ImmutableConst` (memory-maps a file region) and
    /// `DatasetToTFRecord` at critical; `MatchingFiles` (lists files), the queue readers
    /// (`WholeFileReader`, `TextLineReader`, `TFRecordReader`, ...), file-reading datasets
    /// (`TFRecordDataset`, `CSVDataset`, `SqlDataset`, ...) and file-writing ops (`SaveDataset`,
    /// `SnapshotDataset`, summary writers) at high.
    ///
    /// ## Why it matters
    /// A served model runs its graph with the server's permissions. A graph that reads
    /// `/etc/passwd` or an SSH key into an output tensor leaks it to whoever queries the
    /// model; one that writes files can plant code (a `.bashrc`, a cron entry). Inference
    /// graphs have no reason to do either.
    ///
    /// ## Example
    /// `{name: "leak", op: "ReadFile", input: "fname"}` with `fname` a `Const` holding
    /// `/etc/passwd`, possibly hidden in a function such as `__inference_leak_12`.
    ///
    /// ## References
    /// CWE-73, CWE-552; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model),
    /// AML.T0011.000 (User Execution: Unsafe ML Artifacts); OWASP ML06:2023 (AI Supply Chain
    /// Attacks).
    pub static RULE = {
        code: "TFS002",
        name: "tf-file-access-op",
        family: TensorFlow,
        severity: Critical,
        summary: "TensorFlow graph reads, writes, lists or maps files",
    };
}
