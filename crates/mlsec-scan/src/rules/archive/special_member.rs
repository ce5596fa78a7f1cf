declare_rule! {
    /// ## What it detects
    /// A tar member that is a character device, block device or FIFO.
    ///
    /// ## Why it matters
    /// Model archives hold files and directories only. Extracted as root, a device node gives
    /// raw access to disks or memory; a FIFO makes a loader that opens it block forever.
    ///
    /// ## Example
    /// A `model.tar.gz` with a member `weights/sda` of type block device 8,0.
    ///
    /// ## References
    /// CWE-73 (External Control of File Name or Path), CWE-400; MITRE ATLAS AML.T0010.003 (ML
    /// Supply Chain Compromise: Model); OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "ARC009",
        name: "archive-special-member",
        family: Archive,
        severity: Medium,
        summary: "Archive member is a device node or FIFO",
    };
}
