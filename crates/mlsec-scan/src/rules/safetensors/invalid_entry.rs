declare_rule! {
    /// ## What it detects
    /// A header entry the reference loader rejects: an unknown dtype, a shape that is not an
    /// array of non-negative integers, `data_offsets` that are not `[begin, end]` with
    /// `begin <= end` inside the data region, a byte length different from
    /// elements x dtype size (computed with overflow checks; sub-byte dtypes must fill whole
    /// bytes), or a `__metadata__` that is not an object of strings. Unknown fields in a
    /// tensor entry, which loaders ignore, are reported at low.
    ///
    /// ## Why it matters
    /// A loader refuses such a file, so it is broken rather than dangerous by itself; but
    /// tools that do not validate (custom readers, older versions, other languages) compute
    /// pointers from these numbers, and out-of-range or inconsistent offsets are how such
    /// readers are made to read out of bounds.
    ///
    /// ## Example
    /// `{"a": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}` with 32 bytes of
    /// data.
    ///
    /// ## References
    /// CWE-20, CWE-1284; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model);
    /// OWASP ML06:2023 (AI Supply Chain Attacks).
    pub static RULE = {
        code: "SFT004",
        name: "safetensors-invalid-entry",
        family: Safetensors,
        severity: Medium,
        summary: "safetensors header entry has an invalid dtype, shape or offsets",
    };
}
