declare_rule! {
    /// ## What it detects
    /// A `.npy` array (also inside `.npz`) whose dtype holds Python objects anywhere: `|O`, or an
    /// `O` field in a structured dtype. Its data is a pickle, which the pickle rules judge
    /// separately; this finding only says that loading it requires `allow_pickle=True`.
    ///
    /// ## Why it matters
    /// `np.load(..., allow_pickle=True)` unpickles the data, with everything that implies; numeric
    /// arrays never need it.
    ///
    /// ## Example
    /// `\x93NUMPY\x01\x00` header `{'descr': '|O', 'fortran_order': False, 'shape': (1,), }`.
    ///
    /// ## References
    /// CWE-502; MITRE ATLAS AML.T0011.000, AML.T0010.003; OWASP ML06:2023.
    pub static RULE = {
        code: "NPY001",
        name: "numpy-object-array",
        family: Numpy,
        severity: Low,
        summary: "NumPy array holds Python objects, so loading it unpickles data",
    };
}
