declare_rule! {
    /// ## What it detects
    /// BUILD, APPEND(S), SETITEM(S) or ADDITEMS applied to an imported global itself (a module
    /// function, class or module attribute) rather than to an object the pickle created.
    ///
    /// ## Why it matters
    /// Setting attributes on library objects changes them for the whole process: the
    /// `numpy.__builtins__` trick stores the builtins module in `numpy.size.shape` so that a
    /// later call to an innocent-looking numpy function reaches `eval`. No framework pickle does
    /// this.
    ///
    /// ## Example
    /// `STACK_GLOBAL('numpy','size')`, `({}, {'shape': numpy.__builtins__})`, BUILD.
    ///
    /// ## References
    /// CWE-502, CWE-915; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023; modelscan #330.
    pub static RULE = {
        code: "PKL009",
        name: "pickle-mutates-imported-object",
        family: Pickle,
        severity: Critical,
        summary: "Pickle modifies an imported module-level object",
    };
}
