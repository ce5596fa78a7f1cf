declare_rule! {
    /// ## What it detects
    /// A protocol-4+ FRAME whose declared length does not match the opcodes it holds: an opcode
    /// that starts inside the frame and reads past its end, or a frame that extends past the
    /// STOP. The scanner then reads the stream both ways — as `pickle.loads` does (frames
    /// ignored) and as CPython's C unpickler reading a file does (the rest of the frame buffer
    /// is dropped) — and judges both.
    ///
    /// ## Why it matters
    /// Picklers only cut frames at opcode boundaries. A frame that lies makes scanners and
    /// loaders disagree about which bytes are opcodes, so a payload can sit where the scanner
    /// sees a harmless bytes value.
    ///
    /// ## Example
    /// `FRAME 2` followed by `BINBYTES` with a 263-byte length: in memory the payload is data;
    /// `pickle.load(open(f))` and `torch.load` execute it.
    ///
    /// ## References
    /// CWE-436, CWE-502; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023;
    /// CPython issue 154848.
    pub static RULE = {
        code: "PKL005",
        name: "pickle-frame-divergence",
        family: Pickle,
        severity: High,
        summary: "Pickle FRAME length does not match its opcodes, so loaders read different opcodes",
    };
}
