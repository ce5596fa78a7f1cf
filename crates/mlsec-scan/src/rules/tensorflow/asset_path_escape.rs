declare_rule! {
    /// ## What it detects
    /// An `AssetFileDef.filename` in a SavedModel's MetaGraphDef that is absolute, climbs out
    /// with `..`, holds a backslash or a drive letter, is a URL or contains control
    /// characters.
    ///
    /// ## Why it matters
    /// The loader joins asset names to the SavedModel's `assets/` directory and feeds the
    /// result to the graph (vocabulary tables, for instance). Joining an absolute name
    /// discards the directory, so the model reads any file the loader can: its content ends
    /// up in lookup tables that inference exposes.
    ///
    /// ## Example
    /// `asset_file_def { filename: "../../../../etc/passwd" }`.
    ///
    /// ## References
    /// CWE-22, CWE-73; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "TFS006",
        name: "tf-asset-path-escape",
        family: TensorFlow,
        severity: Critical,
        summary: "SavedModel asset file name escapes the assets directory",
    };
}
