declare_rule! {
    /// ## What it detects
    /// A pickle that names a callable outside the allowlist (the classes and rebuild functions
    /// PyTorch, NumPy, scikit-learn, joblib, transformers, Lightning and the standard library
    /// legitimately pickle, plus the team's `allowed_globals`) and outside the severity table.
    /// Severity follows what the pickle does with it: **high** when it calls it with arguments,
    /// **medium** when it only imports or instantiates it, **low** for a `__main__` class
    /// rebuilt from plain data (the loading script must define it; nothing is imported).
    ///
    /// ## Why it matters
    /// Deny lists are always one gadget behind: every year brings new standard-library and
    /// framework functions that run commands. Anything a model file calls that its framework does
    /// not need deserves a human decision before the file is loaded.
    ///
    /// ## Example
    /// `STACK_GLOBAL('mypkg.utils', 'run_hook')` followed by REDUCE.
    ///
    /// ## References
    /// CWE-502; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023; arXiv 2508.19774
    /// ("Hide and Seek", 133 exploitable gadgets).
    pub static RULE = {
        code: "PKL002",
        name: "non-allowlisted-pickle-callable",
        family: Pickle,
        severity: High,
        summary: "Pickle names a callable that is not on the allowlist",
    };
}
