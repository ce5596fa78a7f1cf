//! Property tests for the pickle and NumPy readers: arbitrary bytes, mutated valid inputs and
//! random opcode sequences never panic and finish quickly.

#[allow(dead_code)]
mod fixtures;

use mlsec_scan::fuzzing;
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// Generous bound for one small input on a loaded 2-core machine (debug build).
const BUDGET: Duration = Duration::from_secs(3);

fn run_all(data: &[u8]) -> Duration {
    let t = Instant::now();
    fuzzing::run("pickle", data);
    fuzzing::run("numpy", data);
    fuzzing::run("any", data);
    t.elapsed()
}

/// Valid pickle and npy inputs to mutate.
fn seeds() -> Vec<Vec<u8>> {
    fixtures::all()
        .into_iter()
        .filter(|f| {
            f.name.ends_with(".pkl")
                || f.name.ends_with(".npy")
                || f.name.ends_with(".joblib")
                || f.name.ends_with(".bin")
        })
        .map(|f| f.bytes)
        .collect()
}

/// Encoded opcodes (with arguments) to build random but well-formed-looking streams.
const SNIPPETS: &[&[u8]] = &[
    b"(",
    b".",
    b"0",
    b"1",
    b"2",
    b"N",
    b"K\x01",
    b"J\xff\xff\xff\xff",
    b"\x8c\x02os",
    b"\x8c\x05posix",
    b"\x8c\x06system",
    b"\x8c\x08builtins",
    b"\x8c\x07getattr",
    b"\x93",
    b"R",
    b"b",
    b"o",
    b")",
    b"t",
    b"\x85",
    b"\x86",
    b"\x87",
    b"}",
    b"]",
    b"s",
    b"u",
    b"a",
    b"e",
    b"l",
    b"d",
    b"\x94",
    b"h\x00",
    b"h\x01",
    b"h\x02",
    b"q\x00",
    b"q\x01",
    b"r\x10\x27\x00\x00",
    b"j\x10\x27\x00\x00",
    b"cos\nsystem\n",
    b"cpickle\nloads\n",
    b"c_codecs\nencode\n",
    b"cfunctools\npartial\n",
    b"coperator\nattrgetter\n",
    b"\x81",
    b"\x92",
    b"\x82\x01",
    b"Q",
    b"Pid\n",
    b"\x95\x05\x00\x00\x00\x00\x00\x00\x00",
    b"\x95\x01\x00\x00\x00\x00\x00\x00\x00",
    b"C\x03abc",
    b"C\x04\x80\x02N.",
    b"X\x02\x00\x00\x00hi",
    b"\x8f",
    b"\x90",
    b"\x91",
    b"\x97",
    b"\x98",
    b"\x88",
    b"\x89",
    b"\x8a\x01\x05",
    b"S'a'\n",
    b"Vb\n",
    b"I01\n",
    b"g0\n",
    b"p0\n",
    b"\x80\x04",
    b"\x8c\x06latin1",
    b"\x8c\x03rot",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        prop_assert!(run_all(&data) < BUDGET);
    }

    #[test]
    fn arbitrary_bytes_after_a_protocol_header(proto in 0u8..6, data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut d = vec![0x80, proto];
        d.extend(data);
        prop_assert!(run_all(&d) < BUDGET);
    }

    #[test]
    fn mutated_valid_inputs(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..12),
    ) {
        let seeds = seeds();
        let mut d = pick.get(&seeds).clone();
        for (at, byte, kind) in edits {
            if d.is_empty() {
                d.push(byte);
                continue;
            }
            let i = at.index(d.len());
            match kind {
                0 => d[i] = byte,
                1 => d.insert(i, byte),
                2 => { d.remove(i); }
                _ => d.truncate(i),
            }
        }
        prop_assert!(run_all(&d) < BUDGET);
    }

    #[test]
    fn random_opcode_sequences(picks in proptest::collection::vec(any::<prop::sample::Index>(), 0..300)) {
        let mut d = b"\x80\x04".to_vec();
        for p in picks {
            d.extend_from_slice(SNIPPETS[p.index(SNIPPETS.len())]);
        }
        prop_assert!(run_all(&d) < BUDGET);
    }
}

#[test]
fn deep_nesting_and_memo_fan_out_stay_bounded() {
    // 100k MARKs, a chain of DUPs and memo writes, a long list of tuples: all within limits.
    let mut d = b"\x80\x04".to_vec();
    d.extend(std::iter::repeat_n(b'(', 100_000));
    d.extend(std::iter::repeat_n(&b"N\x94"[..], 50_000).flatten());
    d.extend(std::iter::repeat_n(&b"2"[..], 50_000).flatten());
    d.push(b'.');
    assert!(run_all(&d) < BUDGET);
    let mut nested = b"\x80\x04".to_vec();
    for _ in 0..10_000 {
        nested.extend_from_slice(b"]");
    }
    for _ in 0..9_999 {
        nested.extend_from_slice(b"a");
    }
    nested.push(b'.');
    assert!(run_all(&nested) < BUDGET);
}
