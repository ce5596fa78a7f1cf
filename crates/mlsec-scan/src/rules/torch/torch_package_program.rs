declare_rule! {
    /// ## What it detects
    /// A `torch.package` archive (`torch.package.PackageExporter`): a zip with
    /// `.data/extern_modules` whose interned modules ship as Python source. Reported once per
    /// archive, at low severity, with the number of modules; the scan also records a problem
    /// (not fully checked), because Python code cannot be proven safe.
    ///
    /// ## Why it matters
    /// `PackageImporter.load_pickle` imports every module a pickle in the package names from
    /// the package itself, which runs that module's code with the permissions of the process.
    /// PyTorch's documentation says never to load packages from untrusted sources. mlsec checks
    /// the modules for process, code-execution, native and network entry points (TRC005), but
    /// a package is a program, and policies that accept only weights should refuse it.
    ///
    /// ## Example
    /// The output of `PackageExporter("net.pt")` with `intern("mymodel.**")` and
    /// `save_pickle("model", "model.pkl", net)`.
    ///
    /// ## References
    /// CWE-94; CWE-502; MITRE ATLAS AML.T0011.000 (User Execution: Unsafe ML Artifacts); OWASP
    /// ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "TRC004",
        name: "torch-package-program",
        family: Torch,
        severity: Low,
        summary: "torch.package archive: its Python modules run when it is loaded",
    };
}
