//! Behaviour of the pickle and NumPy readers through the public API, on inputs built by the
//! opcode writer in `fixtures/pickle.rs`.

#[allow(dead_code)]
mod fixtures;

use fixtures::pickle::{P, joblib_array, npy, os_system, torch_legacy, torch_state_dict};
use mlsec_core::Severity;
use mlsec_scan::{FileReport, Limits, Policy, Scanner};

fn scan(name: &str, data: &[u8]) -> FileReport {
    Scanner::default().scan_bytes(name, data)
}

/// `(rule, severity, evidence)` of every finding.
fn found(r: &FileReport) -> Vec<(&'static str, Severity, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule, f.severity, f.evidence.clone().unwrap_or_default()))
        .collect()
}

fn has(r: &FileReport, rule: &str, evidence: &str) -> bool {
    r.findings
        .iter()
        .any(|f| f.rule == rule && f.evidence.as_deref() == Some(evidence))
}

fn clean(r: &FileReport) -> bool {
    r.findings.iter().all(|f| f.severity <= Severity::Low) && r.problems.is_empty()
}

#[test]
fn benign_framework_pickles_are_clean_and_complete() {
    for (name, data) in [
        ("state_dict.pkl", torch_state_dict(&["a", "b", "c"])),
        ("legacy.pt", torch_legacy(false)),
        ("arrays.joblib", joblib_array(1000, P::new(4).str("x"))),
        (
            "plain.pkl",
            P::new(0).mark().str("k").int(1).raw(b"d").stop().finish(),
        ),
    ] {
        let r = scan(name, &data);
        assert!(
            clean(&r) && r.findings.is_empty(),
            "{name}: {:?} {:?}",
            found(&r),
            r.problems
        );
    }
}

#[test]
fn memo_replays_and_overwrites_resolve_like_the_unpickler() {
    // memo 0 = 'posix', memo 1 = 'system'; then memo 0 := 'system' and back to 'posix'.
    let p = P::new(4)
        .str("posix")
        .memoize()
        .pop()
        .str("system")
        .memoize()
        .pop()
        .get(1)
        .put(0)
        .pop()
        .str("posix")
        .put(0)
        .pop()
        .get(0)
        .get(1)
        .raw(b"\x93")
        .str("id")
        .tuple_n(1)
        .reduce()
        .stop()
        .finish();
    assert!(has(&scan("m.pkl", &p), "PKL001", "os.system"));
    // Sparse LONG_BINPUT keys; MEMOIZE then numbers from the count of entries (2), not from
    // the largest key.
    let p = P::new(4)
        .str("x")
        .put(300)
        .pop()
        .str("y")
        .put(70000)
        .pop()
        .str("posix")
        .raw(b"\x94")
        .pop()
        .get(2)
        .str("system")
        .raw(b"\x93")
        .str("id")
        .tuple_n(1)
        .reduce()
        .stop()
        .finish();
    assert!(has(&scan("m.pkl", &p), "PKL001", "os.system"));
}

#[test]
fn undefined_memo_key_breaks_the_stream_but_keeps_earlier_findings() {
    let p = P::new(2)
        .call_strs("posix", "system", &["id"])
        .get(9)
        .stop()
        .finish();
    let r = scan("m.pkl", &p);
    assert!(has(&r, "PKL001", "os.system"));
    assert!(has(&r, "PKL006", "stream breaks after calls"));
    assert!(r.problems.iter().any(|p| p.message.contains("memo key 9")));
}

#[test]
fn names_resolve_through_aliases_dotted_paths_and_resolvers() {
    let dotted = P::new(4)
        .stack_global("pathlib", "os.system")
        .str("id")
        .tuple_n(1)
        .reduce()
        .stop()
        .finish();
    let r = scan("d.pkl", &dotted);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "PKL001" && f.message.contains("listed under `os`")),
        "{:?}",
        found(&r)
    );
    let getattr = P::new(2)
        .global("builtins", "getattr")
        .mark()
        .call_strs("builtins", "__import__", &["os"])
        .str("system")
        .tuple()
        .reduce()
        .str("id")
        .tuple_n(1)
        .reduce()
        .stop()
        .finish();
    let r = scan("g.pkl", &getattr);
    assert!(
        has(&r, "PKL001", "os.system") && has(&r, "PKL001", "builtins.getattr"),
        "{:?}",
        found(&r)
    );
    let inst = b"(S'id'\niposix\nsystem\n.";
    let r = scan("i.pkl", inst);
    assert_eq!(r.format(), "pickle");
    assert!(has(&r, "PKL001", "os.system"));
    let obj_pop = P::new(4)
        .mark()
        .stack_global("posix", "system")
        .str("id")
        .obj()
        .pop()
        .none()
        .stop()
        .finish();
    assert!(has(&scan("o.pkl", &obj_pop), "PKL001", "os.system"));
}

#[test]
fn unknown_callables_are_ranked_by_use() {
    let sev = |data: Vec<u8>| {
        scan("u.pkl", &data)
            .findings
            .iter()
            .find(|f| f.rule == "PKL002")
            .map(|f| f.severity)
    };
    assert_eq!(
        sev(P::new(2).call_strs("mypkg", "run", &["x"]).stop().finish()),
        Some(Severity::High)
    );
    assert_eq!(
        sev(P::new(2).global("mypkg", "Thing").stop().finish()),
        Some(Severity::Medium)
    );
    assert_eq!(
        sev(P::new(4)
            .stack_global("mypkg", "Thing")
            .tuple_n(0)
            .newobj()
            .stop()
            .finish()),
        Some(Severity::Medium)
    );
    assert_eq!(
        sev(P::new(4)
            .stack_global("__main__", "Config")
            .tuple_n(0)
            .newobj()
            .empty_dict()
            .build()
            .stop()
            .finish()),
        Some(Severity::Low)
    );
    assert_eq!(
        sev(P::new(2).global("numpy", "log1p").stop().finish()),
        None
    );
    // A memmap rebuilt as an array is data; calling `numpy.memmap` opens a file.
    let memmap_array = P::new(2)
        .global("numpy.core.multiarray", "_reconstruct")
        .global("numpy", "memmap")
        .int(0)
        .tuple_n(1)
        .bytes(b"b")
        .tuple_n(3)
        .reduce()
        .stop()
        .finish();
    assert_eq!(sev(memmap_array), None);
    let memmap_call = P::new(2).call_strs("numpy", "memmap", &["/tmp/x", "w+"]);
    assert_eq!(sev(memmap_call.stop().finish()), Some(Severity::High));
    assert_eq!(
        sev(P::new(2).call_strs("numpy", "size", &["x"]).stop().finish()),
        Some(Severity::High)
    );
    // The team's policy extends the allowlist.
    let policy = Policy {
        allowed_globals: vec!["mypkg.*".into()],
        ..Policy::default()
    };
    let r = Scanner::new(Limits::default(), policy).scan_bytes(
        "p.pkl",
        &P::new(2).call_strs("mypkg", "run", &["x"]).stop().finish(),
    );
    assert!(r.findings.is_empty());
}

#[test]
fn codecs_encode_is_allowed_only_as_latin1_bytes() {
    let ok = P::new(2)
        .call_strs("_codecs", "encode", &["\u{ff}", "latin1"])
        .stop()
        .finish();
    assert!(scan("b.pkl", &ok).findings.is_empty());
    let r = scan(
        "r.pkl",
        &P::new(4)
            .call_strs("_codecs", "encode", &["bf", "rot13"])
            .str("system")
            .raw(b"\x93")
            .stop()
            .finish(),
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "PKL003" && f.severity == Severity::Critical)
    );
}

#[test]
fn every_stream_and_what_follows_is_scanned() {
    let mut two = P::new(2).empty_dict().stop().finish();
    two.extend(os_system(2));
    let r = scan("two.pkl", &two);
    assert!(has(&r, "PKL001", "os.system"));
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "PKL007" && f.severity == Severity::Low)
    );
    let mut padded = P::new(2).none().stop().finish();
    padded.extend_from_slice(&[0; 32]);
    let r = scan("pad.pkl", &padded);
    assert_eq!(
        found(&r),
        vec![("PKL007", Severity::Low, "padding after pickle".to_string())]
    );
    // A zip appended after a pickle is scanned as a member.
    let mut poly = P::new(2).none().stop().finish();
    poly.extend_from_slice(b"PK\x03\x04rest");
    let r = scan("poly.pkl", &poly);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "PKL007" && f.severity == Severity::Medium)
    );
    assert!(
        r.formats
            .iter()
            .any(|(c, f)| c.ends_with("<data after pickle>") && *f == "zip")
    );
}

#[test]
fn truncated_and_broken_streams_keep_what_ran_before() {
    let mut cut = os_system(2);
    cut.pop();
    let r = scan("t.pkl", &cut);
    assert!(has(&r, "PKL001", "os.system") && has(&r, "PKL006", "stream breaks after calls"));
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].kind, mlsec_core::ProblemKind::Truncated);
    let mut bad = os_system(2);
    bad.pop();
    bad.push(0xfe);
    assert!(has(&scan("b.pkl", &bad), "PKL001", "os.system"));
}

#[test]
fn frame_divergence_is_reported_and_both_readings_judged() {
    let f = fixtures::all()
        .into_iter()
        .find(|f| f.name == "frame_divergence.pkl")
        .map(|f| f.bytes)
        .unwrap_or_default();
    let r = scan("f.pkl", &f);
    assert!(r.findings.iter().any(|x| x.rule == "PKL005"));
    assert!(has(&r, "PKL001", "os.system"), "{:?}", found(&r));
    // An honestly framed pickle is clean.
    let honest = P::new(4)
        .stack_global("collections", "OrderedDict")
        .tuple_n(0)
        .reduce()
        .stop()
        .framed();
    let r = scan("h.pkl", &honest);
    assert!(
        r.findings.is_empty() && r.problems.is_empty(),
        "{:?}",
        found(&r)
    );
}

#[test]
fn nested_payloads_are_decoded_and_scanned_within_limits() {
    let inner = os_system(2);
    let b64: String = {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in inner.chunks(3) {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
            for i in 0..=c.len() {
                out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        while !out.len().is_multiple_of(4) {
            out.push('=');
        }
        out
    };
    let p = P::new(3)
        .global("pickle", "loads")
        .mark()
        .call_strs("base64", "b64decode", &[&b64])
        .tuple()
        .reduce()
        .stop()
        .finish();
    let r = scan("n.pkl", &p);
    assert!(r.findings.iter().any(|f| f.rule == "PKL001"
        && f.location.chain.last().map(String::as_str) == Some("<nested pickle>")));
    assert!(has(&r, "PKL004", "pickle.loads"));
    // Beyond the nested-pickle budget the payload is not scanned, and that is a problem.
    let twice = P::new(3)
        .global("pickle", "loads")
        .mark()
        .bytes(&inner)
        .tuple()
        .reduce()
        .global("pickle", "loads")
        .mark()
        .bytes(&inner)
        .tuple()
        .reduce()
        .stop()
        .finish();
    let limits = Limits {
        max_nested_pickles: 1,
        ..Limits::default()
    };
    let r = Scanner::new(limits, Policy::default()).scan_bytes("n2.pkl", &twice);
    assert!(
        r.problems
            .iter()
            .any(|p| p.kind == mlsec_core::ProblemKind::LimitExceeded)
    );
}

#[test]
fn opcode_budget_ends_in_a_problem() {
    let limits = Limits {
        max_pickle_ops: 10,
        ..Limits::default()
    };
    let mut p = P::new(2).empty_list().mark();
    for i in 0..20 {
        p = p.int(i);
    }
    let r =
        Scanner::new(limits, Policy::default()).scan_bytes("big.pkl", &p.appends().stop().finish());
    assert!(
        r.problems
            .iter()
            .any(|p| p.kind == mlsec_core::ProblemKind::LimitExceeded)
    );
}

#[test]
fn joblib_array_bytes_are_skipped_but_also_read_as_plain_pickle_would() {
    let r = scan(
        "evil.joblib",
        &joblib_array(100, P::new(4).call_strs("posix", "system", &["id"])),
    );
    assert!(has(&r, "PKL001", "os.system"));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    // A payload in the alignment padding: joblib skips it, pickle.load runs it.
    let mut data = joblib_array(2, P::new(4).str("x"));
    let body = b"0cposix\nsystem\n(S'id'\ntR";
    let wrapper_end = data.iter().rposition(|&b| b == b'b').unwrap_or(0);
    let tail = data.split_off(wrapper_end + 1);
    let pad = tail[0] as usize;
    let rest = &tail[1 + pad..];
    data.push(b'N');
    data.extend_from_slice(body);
    data.resize(data.len() + (usize::from(b'N') - body.len()), b'N');
    data.extend_from_slice(rest);
    let r = scan("padding.joblib", &data);
    assert!(
        has(&r, "PKL001", "os.system"),
        "{:?} {:?}",
        found(&r),
        r.problems
    );
}

#[test]
fn legacy_torch_files_scan_all_pickles_and_check_storages() {
    let r = scan("magic.pt", &torch_legacy(true));
    assert!(has(&r, "PKL001", "os.system"));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let mut cut = torch_legacy(false);
    cut.truncate(cut.len() - 4);
    let r = scan("cut.pt", &cut);
    assert!(
        r.problems
            .iter()
            .any(|p| p.kind == mlsec_core::ProblemKind::Truncated)
    );
    let mut extra = torch_legacy(false);
    extra.extend_from_slice(b"hidden tail");
    assert!(
        scan("extra.pt", &extra)
            .findings
            .iter()
            .any(|f| f.rule == "PKL007")
    );
}

#[test]
fn extension_codes_and_mutations_of_globals() {
    let r = scan("e.pkl", &P::new(2).raw(b"\x83\x01\x02").stop().finish());
    assert!(has(&r, "PKL008", "EXT code 513"));
    let r = scan(
        "m.pkl",
        &P::new(2)
            .global("sys", "path")
            .str("/tmp/evil")
            .append()
            .stop()
            .finish(),
    );
    assert!(r.findings.iter().any(|f| f.rule == "PKL009"));
}

#[test]
fn numpy_headers_are_checked_against_their_data() {
    let r = scan(
        "short.npy",
        &npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }",
            &[0; 16],
        ),
    );
    assert!(
        r.problems
            .iter()
            .any(|p| p.kind == mlsec_core::ProblemKind::Truncated)
    );
    let r = scan(
        "bad.npy",
        &npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), 'x': 1}",
            &[0; 32],
        ),
    );
    assert!(
        r.problems
            .iter()
            .any(|p| p.kind == mlsec_core::ProblemKind::Malformed)
    );
    let mut hidden = npy(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
        &[0; 4],
    );
    hidden.extend(os_system(2));
    let r = scan("hidden.npy", &hidden);
    assert!(r.findings.iter().any(|f| f.rule == "NPY002"));
    assert!(has(&r, "PKL001", "os.system"), "{:?}", found(&r));
}

#[test]
fn legacy_tar_members_interleave_pickles_and_raw_data() {
    let mut storages = P::new(2).int(1).stop().finish();
    storages.extend(
        P::new(2)
            .str("0")
            .str("cpu")
            .global("torch", "FloatStorage")
            .tuple_n(3)
            .stop()
            .finish(),
    );
    storages.extend_from_slice(&2u64.to_le_bytes());
    storages.extend_from_slice(&[0; 8]);
    storages.extend(P::new(2).empty_list().stop().finish());
    let r = scan("storages", &storages);
    assert!(
        r.findings.is_empty() && r.problems.is_empty(),
        "{:?} {:?}",
        found(&r),
        r.problems
    );
    let mut tensors = P::new(2).int(1).stop().finish();
    tensors.extend(
        P::new(2)
            .str("t")
            .str("0")
            .global("torch", "FloatTensor")
            .tuple_n(3)
            .stop()
            .finish(),
    );
    tensors.extend_from_slice(&1i32.to_le_bytes());
    tensors.extend_from_slice(&[0; 4 + 8 + 8 + 8]);
    let r = scan("archive/tensors", &tensors);
    assert!(
        r.findings.is_empty() && r.problems.is_empty(),
        "{:?} {:?}",
        found(&r),
        r.problems
    );
    // A payload in a record pickle is found; a short raw part is a problem.
    let mut bad = P::new(2).int(1).stop().finish();
    bad.extend(
        P::new(2)
            .call_strs("posix", "system", &["id"])
            .stop()
            .finish(),
    );
    let r = scan("storages", &bad);
    assert!(has(&r, "PKL001", "os.system"));
    assert!(!r.problems.is_empty());
}

#[test]
fn enum_members_by_name_are_data_but_getattr_stays_dangerous_elsewhere() {
    // Python 3.12 pickles enum members as getattr(EnumClass, 'NAME').
    let by_name = P::new(4)
        .stack_global("builtins", "getattr")
        .stack_global("transformers.trainer_utils", "IntervalStrategy")
        .str("STEPS")
        .tuple_n(2)
        .reduce()
        .stop()
        .finish();
    let r = scan("training_args.bin", &by_name);
    assert!(r.findings.is_empty(), "{:?}", found(&r));
    // Flag combinations go through operator.or_.
    let flags = P::new(2)
        .global("_operator", "or_")
        .global("re", "RegexFlag")
        .int(2)
        .tuple_n(1)
        .reduce()
        .global("re", "RegexFlag")
        .int(8)
        .tuple_n(1)
        .reduce()
        .tuple_n(2)
        .reduce()
        .stop()
        .finish();
    assert!(scan("flags.pkl", &flags).findings.is_empty());
    // A private attribute, or one of a class that is not allowlisted, is not excused.
    let private = P::new(4)
        .stack_global("builtins", "getattr")
        .stack_global("argparse", "Namespace")
        .str("__init__")
        .tuple_n(2)
        .reduce()
        .stop()
        .finish();
    assert!(has(&scan("p.pkl", &private), "PKL001", "builtins.getattr"));
    let module = P::new(2)
        .global("builtins", "getattr")
        .global("collections", "os")
        .str("system")
        .tuple_n(2)
        .reduce()
        .stop()
        .finish();
    let r = scan("m.pkl", &module);
    assert!(
        r.findings.iter().any(|f| f.severity == Severity::Critical),
        "{:?}",
        found(&r)
    );
}
