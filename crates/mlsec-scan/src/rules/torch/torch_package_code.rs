declare_rule! {
    /// ## What it detects
    /// A Python module inside a `torch.package` archive that imports or uses a process,
    /// code-execution, native-code or network entry point: `os.system`, `os.popen`, the
    /// `os.exec*`/`os.spawn*` family, `subprocess`, `pty`, `eval`/`exec`/`compile`,
    /// `__builtins__`, `runpy`, `code`, `marshal.loads`, `pickle.loads`, `types.CodeType`,
    /// `ctypes`, `cffi`, `socket`, `urllib.request`, `requests`, `webbrowser` and the like,
    /// resolved through `import ... as` and `from ... import` aliases and inside f-string
    /// expressions. Severity comes from the entry point (critical for running commands or
    /// code, high for computed imports, `sys.modules` and `shutil.rmtree`).
    ///
    /// ## Why it matters
    /// The module runs when `PackageImporter.load_pickle` imports it, which it does for every
    /// module a pickle in the package names: a `__setstate__` or module-level statement that
    /// calls `os.system` executes on load. Model code has no reason to reach these entry
    /// points, so the finding is not diluted by ordinary `os.path` or `getattr` use.
    ///
    /// ## Example
    /// `net.py` in the package: `import os as o` and, in `Net.__setstate__`, `o.system("id")`.
    ///
    /// ## References
    /// CWE-94; CWE-78; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts); OWASP
    /// ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "TRC005",
        name: "torch-package-code",
        family: Torch,
        severity: Critical,
        summary: "Python module in a torch.package reaches processes, code execution, native code or the network",
    };
}
