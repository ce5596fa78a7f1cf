declare_rule! {
    /// ## What it detects
    /// A checkpoint op (`SaveV2`, `Save`, `SaveSlices`, `MergeV2Checkpoints`: critical;
    /// `RestoreV2`, `Restore`, `RestoreSlice`: high) whose path operands do not come from the
    /// saver's filename. Every SavedModel has these ops in its saver sub-graph, and those stay
    /// clean: in the main graph, the path must trace back through string plumbing
    /// (`StringJoin`, `ShardedFilename`, `Pack`, `Identity`, `Select`, harmless constants) to
    /// the tensor `SaverDef.filename_tensor_name` names, a `saver_filename` placeholder or a
    /// TF1 `save/Const` placeholder; in a function, the function must be called with the saver
    /// filename (or be a TF2 `__inference__traced_save_N`/`__inference__traced_restore_N`
    /// function, or be called from one) and the path must trace back to its first argument.
    /// The decision follows data flow, not node names, which an attacker chooses freely.
    ///
    /// ## Why it matters
    /// Outside the saver, these ops write tensors to any path (`SaveV2` to
    /// `/home/u/.ssh/authorized_keys` with attacker-chosen bytes), move and delete checkpoint
    /// directories (`MergeV2Checkpoints` with `delete_old_dirs`), or read arbitrary
    /// checkpoints. Flagging every `SaveV2`, as some scanners do, raises a critical false
    /// positive on every real SavedModel; allowing them by name lets a node called `save/x`
    /// write anywhere.
    ///
    /// ## Example
    /// `{name: "save/SaveV2_1", op: "SaveV2", input: "evil_path"}` where `evil_path` is a
    /// `Const` holding `/etc/cron.d/x`.
    ///
    /// ## References
    /// CWE-73, CWE-22; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model),
    /// AML.T0011.000 (User Execution: Unsafe ML Artifacts); OWASP ML06:2023 (AI Supply Chain
    /// Attacks).
    pub static RULE = {
        code: "TFS005",
        name: "tf-checkpoint-op-outside-saver",
        family: TensorFlow,
        severity: Critical,
        summary: "TensorFlow checkpoint op reads or writes a path that is not the saver's",
    };
}
