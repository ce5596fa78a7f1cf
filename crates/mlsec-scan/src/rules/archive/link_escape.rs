declare_rule! {
    /// ## What it detects
    /// A tar symlink or hardlink whose target is absolute or climbs out of the extraction
    /// directory, and members written *through* an earlier symlink member (`d -> /tmp`, then
    /// `d/payload`). Links and write-through that leave the directory are critical; writing
    /// through a link that stays inside is medium.
    ///
    /// ## Why it matters
    /// Extractors that check each member's own path are still fooled when an earlier member is a
    /// link: the later file lands wherever the link points. Python's `tarfile` filters were
    /// bypassed this way more than once.
    ///
    /// ## Example
    /// `tar` members `cfg -> /home/user/.config` (symlink) followed by `cfg/autostart/x.desktop`.
    ///
    /// ## References
    /// CWE-59, CWE-22; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks); CVE-2025-4138, CVE-2025-4517 (tarfile
    /// filter bypasses through links).
    pub static RULE = {
        code: "ARC002",
        name: "archive-link-escape",
        family: Archive,
        severity: Critical,
        summary: "Archive link points outside the extraction directory or a member is written through a link",
    };
}
