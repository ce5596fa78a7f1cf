declare_rule! {
    /// ## What it detects
    /// An archive member (zip, tar or 7z) whose path is absolute (`/etc/cron.d/x`), carries a
    /// Windows drive letter (`C:\...`), climbs out of the extraction directory with `..`
    /// components (`../../home/u/.bashrc`), or uses backslashes that Windows extractors treat as
    /// separators. Escaping paths are critical; a backslash path that stays inside is medium.
    ///
    /// ## Why it matters
    /// Model archives are routinely unpacked (`tarfile.extractall`, `zipfile.extractall`,
    /// `keras` asset extraction, hub caches). A member that escapes the target directory
    /// overwrites files elsewhere — shell start-up files, Python packages on `sys.path`, SSH
    /// keys — which turns "download a model" into code execution ("zip slip").
    ///
    /// ## Example
    /// A `.keras` zip holding a member named `../../.local/lib/python3.11/site-packages/x.pth`.
    ///
    /// ## References
    /// CWE-22, CWE-23, CWE-36; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks); CVE-2007-4559 (tarfile traversal);
    /// CVE-2024-27318 (path traversal in model files).
    pub static RULE = {
        code: "ARC001",
        name: "archive-path-traversal",
        family: Archive,
        severity: Critical,
        summary: "Archive member path is absolute or escapes the extraction directory",
    };
}
