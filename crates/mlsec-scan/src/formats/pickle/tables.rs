//! The data that decides what a pickle may name: aliases, the allowlist, the severity table and
//! the callables the stack machine models. Every table is a sorted slice (a test checks it), so a
//! reviewer can read and extend them without touching code.
//!
//! Paths are canonical (see [`MODULE_ALIASES`]): `os.system`, never `posix.system`.

use mlsec_core::Severity;

/// Why a callable in the severity table is dangerous; the text goes into finding messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    Shell,
    Exec,
    File,
    Network,
    Loader,
    Code,
    Resolver,
    Process,
    Native,
    Interpreter,
    Import,
    Mutation,
    Indirect,
}

impl Why {
    /// A short phrase: "runs shell commands".
    pub fn text(self) -> &'static str {
        match self {
            Why::Shell => "runs shell commands or other programs",
            Why::Exec => "executes Python code",
            Why::File => "reads, writes or deletes files",
            Why::Network => "opens network connections",
            Why::Loader => "deserialises another object (a second-stage payload)",
            Why::Code => "builds code objects or functions from bytes",
            Why::Resolver => "resolves arbitrary names or attributes at load time",
            Why::Process => "starts processes or threads",
            Why::Native => "loads native code",
            Why::Interpreter => "changes or stops the interpreter",
            Why::Import => "imports arbitrary modules",
            Why::Mutation => "modifies attributes of arbitrary objects",
            Why::Indirect => "calls another callable chosen by the pickle",
        }
    }
}

/// An entry of the severity table: the path and everything below it on component boundaries.
#[derive(Debug)]
pub(crate) struct Denied {
    pub path: &'static str,
    pub severity: Severity,
    pub why: Why,
}

const fn d(path: &'static str, severity: Severity, why: Why) -> Denied {
    Denied {
        path,
        severity,
        why,
    }
}

use Severity::{Critical as C, High as H};

/// The severity table, sorted by path. A superset of what the peers deny (scanners.md §5.1–5.5);
/// it only ranks what is already outside the allowlist.
pub(crate) static DENIED: &[Denied] = &[
    d("_aix_support", C, Why::Shell),
    d("_ctypes", C, Why::Native),
    d("_osx_support", C, Why::Shell),
    d("_posixsubprocess", C, Why::Shell),
    d("_pyrepl", C, Why::Exec),
    d("_thread", C, Why::Process),
    d("_winapi", C, Why::Shell),
    d("accelerate.commands", C, Why::Shell),
    d("accelerate.launchers", C, Why::Process),
    d("aiohttp", C, Why::Network),
    d("antigravity", H, Why::Network),
    d("asyncio", C, Why::Process),
    d("atexit", C, Why::Indirect),
    d("bdb", C, Why::Exec),
    d("builtins.__import__", C, Why::Import),
    d("builtins.breakpoint", C, Why::Exec),
    d("builtins.compile", C, Why::Code),
    d("builtins.delattr", C, Why::Mutation),
    d("builtins.eval", C, Why::Exec),
    d("builtins.exec", C, Why::Exec),
    d("builtins.exit", H, Why::Interpreter),
    d("builtins.getattr", C, Why::Resolver),
    d("builtins.globals", C, Why::Exec),
    d("builtins.help", H, Why::Interpreter),
    d("builtins.input", H, Why::Interpreter),
    d("builtins.locals", C, Why::Exec),
    d("builtins.open", C, Why::File),
    d("builtins.quit", H, Why::Interpreter),
    d("builtins.setattr", C, Why::Mutation),
    d("builtins.vars", C, Why::Exec),
    d("bz2.open", C, Why::File),
    d("cProfile", C, Why::Exec),
    d("cffi", C, Why::Native),
    d("cloudpickle", C, Why::Code),
    d("code", C, Why::Exec),
    d("codecs.open", C, Why::File),
    d("codeop", C, Why::Code),
    d("compileall", C, Why::Code),
    d("concurrent", C, Why::Process),
    d("ctypes", C, Why::Native),
    d("dbm", H, Why::File),
    d("dill", C, Why::Code),
    d("distutils", C, Why::File),
    d("doctest", C, Why::Exec),
    d("ensurepip", C, Why::Shell),
    d("fileinput", C, Why::File),
    d("ftplib", C, Why::Network),
    d("functools.partial", C, Why::Indirect),
    d("functools.partialmethod", C, Why::Indirect),
    d("functools.reduce", C, Why::Indirect),
    d("gc", H, Why::Interpreter),
    d("glob", H, Why::File),
    d("gzip.open", C, Why::File),
    d("http", C, Why::Network),
    d("httpx", C, Why::Network),
    d("idlelib", C, Why::Exec),
    d("imaplib", C, Why::Shell),
    d("imp", C, Why::Import),
    d("importlib", C, Why::Import),
    d("inspect", H, Why::Interpreter),
    d("io.FileIO", C, Why::File),
    d("io.open", C, Why::File),
    d("io.open_code", C, Why::File),
    d("joblib.load", C, Why::Loader),
    d("joblib.numpy_pickle.load", C, Why::Loader),
    d("keras.models.load_model", C, Why::Loader),
    d("keras.saving", C, Why::Loader),
    d("lib2to3", C, Why::Exec),
    d("lightning.app", C, Why::Process),
    d("linecache", H, Why::File),
    d("logging.FileHandler", C, Why::File),
    d("logging.config", C, Why::Exec),
    d("logging.handlers", C, Why::File),
    d("lzma.open", C, Why::File),
    d("mailcap", C, Why::Shell),
    d("marshal", C, Why::Code),
    d("mlflow.projects", C, Why::Shell),
    d("multiprocessing", C, Why::Process),
    d("nntplib", C, Why::Network),
    d("numpy.core._ufunc_reconstruct", C, Why::Resolver),
    d("numpy.ctypeslib", C, Why::Native),
    d("numpy.distutils", C, Why::Exec),
    d("numpy.f2py", C, Why::Exec),
    d("numpy.fromfile", C, Why::File),
    d("numpy.genfromtxt", C, Why::File),
    d("numpy.lib.format", C, Why::Loader),
    d("numpy.lib.npyio", C, Why::Loader),
    d("numpy.load", C, Why::Loader),
    d("numpy.loads", C, Why::Loader),
    d("numpy.loadtxt", C, Why::File),
    d("numpy.save", C, Why::File),
    d("numpy.savetxt", C, Why::File),
    d("numpy.savez", C, Why::File),
    d("numpy.savez_compressed", C, Why::File),
    d("numpy.testing", C, Why::Exec),
    d("operator.attrgetter", C, Why::Resolver),
    d("operator.call", C, Why::Indirect),
    d("operator.delitem", C, Why::Mutation),
    d("operator.itemgetter", C, Why::Resolver),
    d("operator.methodcaller", C, Why::Resolver),
    d("operator.setitem", C, Why::Mutation),
    d("os", C, Why::Shell),
    d("pandas.core.computation", C, Why::Exec),
    d("pandas.eval", C, Why::Exec),
    d("pandas.io", C, Why::Loader),
    d("paramiko", C, Why::Network),
    d("pathlib", C, Why::File),
    d("pdb", C, Why::Exec),
    d("pickle", C, Why::Loader),
    d("pip", C, Why::Shell),
    d("pkgutil", C, Why::Resolver),
    d("platform", H, Why::Shell),
    d("poplib", C, Why::Network),
    d("profile", C, Why::Exec),
    d("pty", C, Why::Shell),
    d("pydoc", C, Why::Resolver),
    d("requests", C, Why::Network),
    d("runpy", C, Why::Exec),
    d("sched", H, Why::Indirect),
    d("setuptools", C, Why::Exec),
    d("shelve", C, Why::Loader),
    d("shutil", C, Why::File),
    d("signal", H, Why::Interpreter),
    d("site", C, Why::Exec),
    d("smtpd", C, Why::Network),
    d("smtplib", C, Why::Network),
    d("socket", C, Why::Network),
    d("socketserver", C, Why::Network),
    d("sqlite3", H, Why::File),
    d("ssl", C, Why::Network),
    d("subprocess", C, Why::Shell),
    d("sys", C, Why::Interpreter),
    d("tarfile", H, Why::File),
    d("telnetlib", C, Why::Network),
    d("tempfile", C, Why::File),
    d("test", C, Why::Exec),
    d("threading", C, Why::Process),
    d("timeit", C, Why::Exec),
    d("tkinter", H, Why::Interpreter),
    d("torch._dynamo", C, Why::Exec),
    d("torch._inductor", C, Why::Shell),
    d("torch.distributed", C, Why::Network),
    d("torch.fx", C, Why::Exec),
    d("torch.hub", C, Why::Network),
    d("torch.jit", C, Why::Exec),
    d("torch.load", C, Why::Loader),
    d("torch.multiprocessing", C, Why::Process),
    d("torch.package", C, Why::Loader),
    d("torch.save", C, Why::File),
    d("torch.serialization", C, Why::Loader),
    d("torch.storage._load_from_bytes", C, Why::Loader),
    d("torch.testing", C, Why::Exec),
    d("torch.utils._config_module", C, Why::Loader),
    d("torch.utils.bottleneck", C, Why::Exec),
    d("torch.utils.collect_env", C, Why::Shell),
    d("torch.utils.cpp_extension", C, Why::Shell),
    d("torch.utils.data.datapipes", C, Why::Exec),
    d("trace", C, Why::Exec),
    d("transformers.agents", C, Why::Exec),
    d("transformers.dynamic_module_utils", C, Why::Code),
    d("transformers.tools", C, Why::Exec),
    d("turtle", H, Why::Interpreter),
    d("types", C, Why::Code),
    d("urllib", C, Why::Network),
    d("urllib3", C, Why::Network),
    d("uuid._get_command_stdout", C, Why::Shell),
    d("uuid._popen", C, Why::Shell),
    d("venv", C, Why::Shell),
    d("webbrowser", C, Why::Shell),
    d("wsgiref", H, Why::Network),
    d("xmlrpc", C, Why::Network),
    d("yaml", C, Why::Loader),
    d("zipfile", H, Why::File),
    d("zipimport", C, Why::Import),
];

/// Severity-table entries that match by string prefix of the whole path rather than by component
/// (`pandas.read_csv`, `pandas.read_pickle`, ...).
pub(crate) static DENIED_STRING_PREFIXES: &[Denied] = &[d("pandas.read_", C, Why::Loader)];

/// Exact callables real frameworks put in their pickles, sorted. (`operator.or_` is how Python
/// pickles a combination of `enum.Flag` members.)
pub(crate) static ALLOWED: &[&str] = &[
    "argparse.Namespace",
    "array._array_reconstructor",
    "array.array",
    "builtins.Ellipsis",
    "builtins.NotImplemented",
    "builtins.bool",
    "builtins.bytearray",
    "builtins.bytes",
    "builtins.complex",
    "builtins.dict",
    "builtins.float",
    "builtins.frozenset",
    "builtins.int",
    "builtins.list",
    "builtins.object",
    "builtins.range",
    "builtins.set",
    "builtins.slice",
    "builtins.str",
    "builtins.tuple",
    "collections.ChainMap",
    "collections.Counter",
    "collections.OrderedDict",
    "collections.UserDict",
    "collections.UserList",
    "collections.UserString",
    "collections.defaultdict",
    "collections.deque",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "copyreg._reconstructor",
    "datetime.date",
    "datetime.datetime",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "ipaddress.IPv4Address",
    "ipaddress.IPv4Network",
    "ipaddress.IPv6Address",
    "ipaddress.IPv6Network",
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
    "joblib.numpy_pickle_compat.ZNDArrayWrapper",
    "numpy.bool_",
    "numpy.bytes_",
    "numpy.complex128",
    "numpy.complex64",
    // The ndarray reconstructor under its oldest name (NumPy 1.0-era object arrays still in
    // NumPy's own test data): `ndarray.__new__(subtype, shape, dtype)`, like the one below.
    "numpy.core._internal._reconstruct",
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy.datetime64",
    "numpy.dtype",
    "numpy.float16",
    "numpy.float32",
    "numpy.float64",
    "numpy.int16",
    "numpy.int32",
    "numpy.int64",
    "numpy.int8",
    "numpy.ma.MaskedArray",
    "numpy.ma.core.MaskedArray",
    "numpy.ma.core._mareconstruct",
    "numpy.matrix",
    "numpy.matrixlib.defmatrix.matrix",
    "numpy.ndarray",
    "numpy.object_",
    "numpy.random._generator.Generator",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    "numpy.random._pcg64.PCG64DXSM",
    "numpy.random._philox.Philox",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._sfc64.SFC64",
    "numpy.random.bit_generator.SeedSequence",
    "numpy.random.mtrand.RandomState",
    "numpy.str_",
    "numpy.timedelta64",
    "numpy.uint16",
    "numpy.uint32",
    "numpy.uint64",
    "numpy.uint8",
    "numpy.void",
    "operator.or_",
    "pandas._libs.internals._unpickle_block",
    "pandas._libs.tslibs.nattype.__nat_unpickle",
    "pandas._libs.tslibs.timedeltas._timedelta_unpickle",
    "pandas._libs.tslibs.timestamps._unpickle_timestamp",
    "pandas.core.indexes.base._new_Index",
    "pandas.core.indexes.period._new_PeriodIndex",
    "pandas.core.internals.blocks.new_block",
    "pathlib.Path",
    "pathlib.PosixPath",
    "pathlib.PurePath",
    "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath",
    "pathlib.WindowsPath",
    "re.RegexFlag",
    "re._compile",
    "torch.BFloat16Storage",
    "torch.BFloat16Tensor",
    "torch.BoolStorage",
    "torch.BoolTensor",
    "torch.ByteStorage",
    "torch.ByteTensor",
    "torch.CharStorage",
    "torch.CharTensor",
    "torch.ComplexDoubleStorage",
    "torch.ComplexFloatStorage",
    "torch.DoubleStorage",
    "torch.DoubleTensor",
    "torch.FloatStorage",
    "torch.FloatTensor",
    "torch.HalfStorage",
    "torch.HalfTensor",
    "torch.IntStorage",
    "torch.IntTensor",
    "torch.LongStorage",
    "torch.LongTensor",
    "torch.QInt32Storage",
    "torch.QInt8Storage",
    "torch.QUInt2x4Storage",
    "torch.QUInt4x2Storage",
    "torch.QUInt8Storage",
    "torch.ShortStorage",
    "torch.ShortTensor",
    "torch.Size",
    "torch.Tensor",
    "torch.TypedStorage",
    "torch.UntypedStorage",
    "torch._tensor._rebuild_from_type",
    "torch._tensor._rebuild_from_type_v2",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_csr_tensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_wrapper_subclass",
    "torch.bfloat16",
    "torch.bits16",
    "torch.bits1x8",
    "torch.bits2x4",
    "torch.bits4x2",
    "torch.bits8",
    "torch.bool",
    "torch.cdouble",
    "torch.cfloat",
    "torch.chalf",
    "torch.channels_last",
    "torch.channels_last_3d",
    "torch.complex128",
    "torch.complex32",
    "torch.complex64",
    "torch.contiguous_format",
    "torch.cuda.BFloat16Storage",
    "torch.cuda.BFloat16Tensor",
    "torch.cuda.BoolStorage",
    "torch.cuda.BoolTensor",
    "torch.cuda.ByteStorage",
    "torch.cuda.ByteTensor",
    "torch.cuda.CharStorage",
    "torch.cuda.CharTensor",
    "torch.cuda.DoubleStorage",
    "torch.cuda.DoubleTensor",
    "torch.cuda.FloatStorage",
    "torch.cuda.FloatTensor",
    "torch.cuda.HalfStorage",
    "torch.cuda.HalfTensor",
    "torch.cuda.IntStorage",
    "torch.cuda.IntTensor",
    "torch.cuda.LongStorage",
    "torch.cuda.LongTensor",
    "torch.cuda.ShortStorage",
    "torch.cuda.ShortTensor",
    "torch.device",
    "torch.double",
    "torch.float",
    "torch.float16",
    "torch.float32",
    "torch.float4_e2m1fn_x2",
    "torch.float64",
    "torch.float8_e4m3fn",
    "torch.float8_e4m3fnuz",
    "torch.float8_e5m2",
    "torch.float8_e5m2fnuz",
    "torch.float8_e8m0fnu",
    "torch.half",
    "torch.int",
    "torch.int16",
    "torch.int32",
    "torch.int64",
    "torch.int8",
    // TorchScript's pickles (`*.debug_pkl`, `data.pkl` of scripted modules): identity
    // functions in Python (torch/jit/_pickle.py), list type tags for the C++ unpickler.
    "torch.jit._pickle.build_boollist",
    "torch.jit._pickle.build_doublelist",
    "torch.jit._pickle.build_intlist",
    "torch.jit._pickle.build_tensor_from_id",
    "torch.jit._pickle.build_tensorlist",
    "torch.jit._pickle.restore_type_tag",
    "torch.long",
    "torch.nn.parameter.Buffer",
    "torch.nn.parameter.Parameter",
    "torch.nn.parameter.UninitializedBuffer",
    "torch.nn.parameter.UninitializedParameter",
    "torch.per_channel_affine",
    "torch.per_channel_affine_float_qparams",
    "torch.per_channel_symmetric",
    "torch.per_tensor_affine",
    "torch.per_tensor_symmetric",
    "torch.preserve_format",
    "torch.qint32",
    "torch.qint8",
    "torch.quint2x4",
    "torch.quint4x2",
    "torch.quint8",
    "torch.serialization._get_layout",
    "torch.short",
    "torch.sparse_bsc",
    "torch.sparse_bsr",
    "torch.sparse_coo",
    "torch.sparse_csc",
    "torch.sparse_csr",
    "torch.storage.TypedStorage",
    "torch.storage.UntypedStorage",
    "torch.strided",
    "torch.uint16",
    "torch.uint32",
    "torch.uint64",
    "torch.uint8",
    "types.SimpleNamespace",
    "uuid.SafeUUID",
    "uuid.UUID",
];

/// Packages whose classes (a single CamelCase name, or a Cython `__pyx_unpickle_*` helper) are
/// allowed: estimator, config and enum classes that frameworks pickle as plain objects. Anything
/// in the severity table below them is still reported.
pub(crate) static CLASS_PACKAGES: &[&str] = &[
    "accelerate",
    "catboost",
    "lightgbm",
    "lightning",
    "lightning_fabric",
    "numpy.dtypes",
    "numpy.ma",
    "numpy.random",
    "omegaconf",
    "pandas",
    "peft",
    "pytorch_lightning",
    "scipy.sparse",
    "sklearn",
    "torch.nn.modules",
    "torch.optim",
    "transformers",
    "typing",
    "xgboost",
];

/// Modules every function of which is pure computation that a pickle may reference (activation
/// functions stored in a model's attributes, for instance).
pub(crate) static FUNCTION_MODULES: &[&str] = &["math", "torch.nn.functional"];

/// Packages whose plain functions a pickle may reference (an estimator storing `numpy.log1p`)
/// but not call: calling one is judged like any unknown callable.
pub(crate) static REFERENCE_PACKAGES: &[&str] = &["numpy", "scipy.special", "torch"];

/// What the stack machine models about a callable when it is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hook {
    /// `copyreg._reconstructor(cls, base, state)`: instantiates `cls`, calls `base`.
    Reconstructor,
    /// `copyreg.__newobj__(cls, *args)`: instantiates `cls`.
    NewObjFn,
    /// `numpy.core.multiarray._reconstruct(subtype, shape, dtype)`: instantiates `subtype`.
    NumpyReconstruct,
    /// `_codecs.encode(text, 'latin1')`: how protocol 2 writes `bytes`; allowed only in that form.
    Latin1Encode,
    /// `numpy.core._ufunc_reconstruct(module, name)`: resolves a name.
    UfuncReconstruct,
    /// `builtins.getattr(obj, name)`.
    GetAttr,
    /// `builtins.__import__(name)`, `importlib.import_module(name)`.
    Import,
    /// `pkgutil.resolve_name('mod:attr')`, `pydoc.locate('mod.attr')`.
    ResolveName,
    /// `operator.attrgetter(name)`.
    AttrGetter,
    /// `operator.methodcaller(name, *args)`.
    MethodCaller,
    /// `functools.partial(func, *args)`: allowed when `func` is allowed.
    Partial,
    /// Deserialises its argument as a pickle (or a torch/joblib/numpy file).
    Loader,
    /// Builds code objects or functions.
    CodeBuilder,
    /// `cloudpickle._builtin_type(name)`, `dill._load_type(name)`: returns `types.<name>`.
    BuiltinType,
    /// base64 decoding.
    Base64,
    /// hex decoding.
    Hex,
    /// zlib decompression.
    Zlib,
    /// `io.BytesIO(data)`: the file-like object loaders read.
    BytesIo,
}

/// Callables the stack machine models, sorted by canonical path.
pub(crate) static HOOKS: &[(&str, Hook)] = &[
    ("_codecs.encode", Hook::Latin1Encode),
    ("base64.b16decode", Hook::Hex),
    ("base64.b64decode", Hook::Base64),
    ("base64.decodebytes", Hook::Base64),
    ("base64.standard_b64decode", Hook::Base64),
    ("base64.urlsafe_b64decode", Hook::Base64),
    ("binascii.a2b_base64", Hook::Base64),
    ("binascii.a2b_hex", Hook::Hex),
    ("binascii.unhexlify", Hook::Hex),
    ("builtins.__import__", Hook::Import),
    ("builtins.bytes.fromhex", Hook::Hex),
    ("builtins.getattr", Hook::GetAttr),
    ("cloudpickle.cloudpickle._builtin_type", Hook::BuiltinType),
    ("cloudpickle.cloudpickle._make_function", Hook::CodeBuilder),
    (
        "cloudpickle.cloudpickle_fast._builtin_type",
        Hook::BuiltinType,
    ),
    ("cloudpickle.loads", Hook::Loader),
    ("copyreg.__newobj__", Hook::NewObjFn),
    ("copyreg.__newobj_ex__", Hook::NewObjFn),
    ("copyreg._reconstructor", Hook::Reconstructor),
    ("dill._dill._create_code", Hook::CodeBuilder),
    ("dill._dill._create_function", Hook::CodeBuilder),
    ("dill._dill._load_type", Hook::BuiltinType),
    ("dill.loads", Hook::Loader),
    ("functools.partial", Hook::Partial),
    ("importlib.import_module", Hook::Import),
    ("io.BytesIO", Hook::BytesIo),
    ("joblib.load", Hook::Loader),
    ("joblib.numpy_pickle.load", Hook::Loader),
    ("marshal.loads", Hook::CodeBuilder),
    ("numpy.core._internal._reconstruct", Hook::NumpyReconstruct),
    ("numpy.core._ufunc_reconstruct", Hook::UfuncReconstruct),
    ("numpy.core.multiarray._reconstruct", Hook::NumpyReconstruct),
    ("numpy.load", Hook::Loader),
    ("numpy.loads", Hook::Loader),
    ("operator.attrgetter", Hook::AttrGetter),
    ("operator.methodcaller", Hook::MethodCaller),
    ("pickle._load", Hook::Loader),
    ("pickle._loads", Hook::Loader),
    ("pickle.load", Hook::Loader),
    ("pickle.loads", Hook::Loader),
    ("pkgutil.resolve_name", Hook::ResolveName),
    ("pydoc.locate", Hook::ResolveName),
    ("torch.load", Hook::Loader),
    ("torch.serialization.load", Hook::Loader),
    ("torch.storage._load_from_bytes", Hook::Loader),
    (
        "torch.utils._config_module.ConfigModule.load_config",
        Hook::Loader,
    ),
    ("types.CodeType", Hook::CodeBuilder),
    ("types.FunctionType", Hook::CodeBuilder),
    ("types.LambdaType", Hook::CodeBuilder),
    ("zlib.decompress", Hook::Zlib),
];

/// Python 2 module names the unpickler maps to Python 3 ones (`_compat_pickle.IMPORT_MAPPING`)
/// and C-accelerator or platform modules that are the same callables under another name. Matched
/// on the module's leading components, longest first.
pub(crate) static MODULE_ALIASES: &[(&str, &str)] = &[
    ("BaseHTTPServer", "http.server"),
    ("CGIHTTPServer", "http.server"),
    ("ConfigParser", "configparser"),
    ("Cookie", "http.cookies"),
    ("DocXMLRPCServer", "xmlrpc.server"),
    ("Queue", "queue"),
    ("SimpleHTTPServer", "http.server"),
    ("SimpleXMLRPCServer", "xmlrpc.server"),
    ("SocketServer", "socketserver"),
    ("StringIO", "io"),
    ("Tkinter", "tkinter"),
    ("UserDict", "collections"),
    ("UserList", "collections"),
    ("UserString", "collections"),
    ("__builtin__", "builtins"),
    ("__builtins__", "builtins"),
    ("_abcoll", "collections.abc"),
    ("_collections", "collections"),
    ("_functools", "functools"),
    ("_io", "io"),
    ("_operator", "operator"),
    ("_pickle", "pickle"),
    ("_socket", "socket"),
    ("_ssl", "ssl"),
    ("_winreg", "winreg"),
    ("anydbm", "dbm"),
    ("cPickle", "pickle"),
    ("cStringIO", "io"),
    ("commands", "subprocess"),
    ("cookielib", "http.cookiejar"),
    ("copy_reg", "copyreg"),
    ("dbhash", "dbm.bsd"),
    ("dumbdbm", "dbm.dumb"),
    ("dummy_thread", "_thread"),
    ("exceptions", "builtins"),
    ("gdbm", "dbm.gnu"),
    ("httplib", "http.client"),
    ("nt", "os"),
    ("numpy._core", "numpy.core"),
    ("posix", "os"),
    ("repr", "reprlib"),
    ("robotparser", "urllib.robotparser"),
    ("sklearn.externals.joblib", "joblib"),
    ("test.test_support", "test.support"),
    ("thread", "_thread"),
    ("urllib2", "urllib.request"),
    ("urlparse", "urllib.parse"),
    ("whichdb", "dbm"),
    ("xmlrpclib", "xmlrpc.client"),
];

/// A `(module, name)` pair.
pub(crate) type Pair = (&'static str, &'static str);

/// `(module, name)` pairs the unpickler renames (`_compat_pickle.NAME_MAPPING`), after module
/// aliasing.
pub(crate) static NAME_ALIASES: &[(Pair, Pair)] = &[
    (("builtins", "basestring"), ("builtins", "str")),
    (("builtins", "intern"), ("sys", "intern")),
    (("builtins", "long"), ("builtins", "int")),
    (("builtins", "reduce"), ("functools", "reduce")),
    (("builtins", "unichr"), ("builtins", "chr")),
    (("builtins", "unicode"), ("builtins", "str")),
    (("builtins", "xrange"), ("builtins", "range")),
    (("itertools", "ifilter"), ("builtins", "filter")),
    (("itertools", "imap"), ("builtins", "map")),
    (("itertools", "izip"), ("builtins", "zip")),
    // joblib <= 0.9 pickles name the compat wrappers by their old module, which re-exports them.
    (
        ("joblib.numpy_pickle", "NDArrayWrapper"),
        ("joblib.numpy_pickle_compat", "NDArrayWrapper"),
    ),
    (
        ("joblib.numpy_pickle", "ZNDArrayWrapper"),
        ("joblib.numpy_pickle_compat", "ZNDArrayWrapper"),
    ),
    (("urllib", "urlopen"), ("urllib.request", "urlopen")),
    (("urllib", "urlretrieve"), ("urllib.request", "urlretrieve")),
];

/// Element sizes of torch storage classes, for validating legacy storages.
pub(crate) static TORCH_STORAGE_SIZES: &[(&str, u64)] = &[
    ("BFloat16Storage", 2),
    ("BoolStorage", 1),
    ("ByteStorage", 1),
    ("CharStorage", 1),
    ("ComplexDoubleStorage", 16),
    ("ComplexFloatStorage", 8),
    ("DoubleStorage", 8),
    ("FloatStorage", 4),
    ("HalfStorage", 2),
    ("IntStorage", 4),
    ("LongStorage", 8),
    ("QInt32Storage", 4),
    ("QInt8Storage", 1),
    ("QUInt2x4Storage", 1),
    ("QUInt4x2Storage", 1),
    ("QUInt8Storage", 1),
    ("ShortStorage", 2),
    ("UntypedStorage", 1),
];

/// Finds the entry whose key is `path` or its longest prefix ending on a component boundary.
pub(crate) fn longest_prefix<'t, T>(
    table: &'t [T],
    key: impl Fn(&T) -> &str,
    path: &str,
) -> Option<&'t T> {
    let mut p = path;
    loop {
        if let Ok(i) = table.binary_search_by(|e| key(e).cmp(p)) {
            return table.get(i);
        }
        p = &p[..p.rfind('.')?];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_unique(keys: &[&str], what: &str) {
        for w in keys.windows(2) {
            assert!(w[0] < w[1], "{what} not sorted or duplicated at {:?}", w);
        }
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        sorted_unique(&DENIED.iter().map(|e| e.path).collect::<Vec<_>>(), "DENIED");
        sorted_unique(ALLOWED, "ALLOWED");
        sorted_unique(CLASS_PACKAGES, "CLASS_PACKAGES");
        sorted_unique(FUNCTION_MODULES, "FUNCTION_MODULES");
        sorted_unique(REFERENCE_PACKAGES, "REFERENCE_PACKAGES");
        sorted_unique(&HOOKS.iter().map(|e| e.0).collect::<Vec<_>>(), "HOOKS");
        sorted_unique(
            &MODULE_ALIASES.iter().map(|e| e.0).collect::<Vec<_>>(),
            "MODULE_ALIASES",
        );
        sorted_unique(
            &TORCH_STORAGE_SIZES.iter().map(|e| e.0).collect::<Vec<_>>(),
            "TORCH_STORAGE_SIZES",
        );
        let pairs: Vec<String> = NAME_ALIASES
            .iter()
            .map(|((m, n), _)| format!("{m}.{n}"))
            .collect();
        sorted_unique(
            &pairs.iter().map(String::as_str).collect::<Vec<_>>(),
            "NAME_ALIASES",
        );
    }

    #[test]
    fn longest_prefix_respects_component_boundaries() {
        let hit = |p: &str| longest_prefix(DENIED, |e| e.path, p).map(|e| e.path);
        assert_eq!(hit("os.system"), Some("os"));
        assert_eq!(
            hit("torch.utils.collect_env.run"),
            Some("torch.utils.collect_env")
        );
        assert_eq!(hit("subprocessing.x"), None);
        assert_eq!(hit("mathutils.sqrt"), None);
        assert_eq!(hit("ossify"), None);
    }
}
