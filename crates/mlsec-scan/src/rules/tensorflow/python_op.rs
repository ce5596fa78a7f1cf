declare_rule! {
    /// ## What it detects
    /// A `PyFunc`, `PyFuncStateless` or `EagerPyFunc` node in a SavedModel's graph or in any
    /// function of its function library.
    ///
    /// ## Why it matters
    /// These ops call a Python function registered in the process that runs the graph
    /// (`tf.py_function`, `tf.numpy_function`). A model that carries them expects Python code
    /// outside the model to run on load or inference, and the callback token is all that
    /// names it: whoever controls what is registered controls what runs. Serving stacks that
    /// load SavedModels should never meet them, and modelscan's op list misses them.
    ///
    /// ## Example
    /// A node `{name: "pf", op: "EagerPyFunc", attr {token: "pyfunc_1"}}` inside
    /// `__inference_call_123` of the function library.
    ///
    /// ## References
    /// CWE-94, CWE-829; MITRE ATLAS AML.T0010.003 (ML Supply Chain Compromise: Model),
    /// AML.T0011.000 (User Execution: Unsafe ML Artifacts); OWASP ML06:2023 (AI Supply Chain
    /// Attacks).
    pub static RULE = {
        code: "TFS001",
        name: "tf-python-op",
        family: TensorFlow,
        severity: Critical,
        summary: "TensorFlow graph calls back into Python (PyFunc, EagerPyFunc)",
    };
}
