//! Proofs checked by an independent RFC 6962 implementation: a short Python program using only
//! `hashlib`, written from RFC 9162 rather than from this crate's code.

use mlsec_store::proof::{ConsistencyProofJson, InclusionProofJson};
use mlsec_store::{NewEvent, Outcome, Store, StoreOptions, StoreUrl};
use std::process::Command;

const CHECK: &str = r#"
import hashlib, json, sys

def leaf(b): return hashlib.sha256(b"\x00" + b).digest()
def node(l, r): return hashlib.sha256(b"\x01" + l + r).digest()

def mth(leaves):
    n = len(leaves)
    if n == 0: return hashlib.sha256(b"").digest()
    if n == 1: return leaves[0]
    k = 1
    while k * 2 < n: k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))

def verify_inclusion(index, size, h, path, root):
    if index >= size: return False
    fn, sn, r = index, size - 1, h
    for p in path:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1; sn >>= 1
    return sn == 0 and r == root

def verify_consistency(m, n, old, new, proof):
    if m == n: return not proof and old == new
    if m == 0: return not proof
    path = ([old] if m & (m - 1) == 0 else []) + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1; sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr = node(c, fr); sr = node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return sn == 0 and fr == old and sr == new

data = json.load(open(sys.argv[1]))
leaves = [leaf(line.encode()) for line in data["events"]]
h = bytes.fromhex
for p in data["inclusion"]:
    root = mth(leaves[:p["tree_size"]])
    assert root.hex() == p["head"]["root_hash"], "root differs from an independent MTH"
    assert leaf(p["event"].encode()) == leaves[p["leaf_index"]]
    assert verify_inclusion(p["leaf_index"], p["tree_size"], leaves[p["leaf_index"]], [h(x) for x in p["audit_path"]], root)
    bad = bytearray(leaves[p["leaf_index"]]); bad[0] ^= 1
    assert not verify_inclusion(p["leaf_index"], p["tree_size"], bytes(bad), [h(x) for x in p["audit_path"]], root)
for c in data["consistency"]:
    old, new = mth(leaves[:c["old_size"]]), mth(leaves[:c["new_size"]])
    assert old.hex() == c["old_root"] and new.hex() == c["new_root"]
    assert verify_consistency(c["old_size"], c["new_size"], old, new, [h(x) for x in c["proof"]])
    if c["proof"]:
        bad = [h(x) for x in c["proof"]]; bad[-1] = bytes(32)
        assert not verify_consistency(c["old_size"], c["new_size"], old, new, bad)
print("checked", len(data["inclusion"]), "inclusion and", len(data["consistency"]), "consistency proofs")
"#;

#[test]
fn python_hashlib_verifies_our_proofs() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("note: skipping the independent proof check: python3 is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(
        &StoreUrl::Sqlite(dir.path().join("s.db")),
        StoreOptions::new(dir.path().join("state")),
    )
    .unwrap();
    let mut sizes = Vec::new();
    let mut i = 0u64;
    for batch in [1u64, 2, 1, 4, 3, 5, 8, 1, 6, 2] {
        let evs = (i..i + batch)
            .map(|k| {
                NewEvent::new(format!("u{k}"), "scan", Outcome::Success)
                    .payload(serde_json::json!({"k": k, "text": "ünïcode \"quoted\""}))
            })
            .collect();
        sizes.push(s.append_batch(evs).unwrap()[0].head.head.size);
        i += batch;
    }
    let key = s.recorded_key().unwrap().unwrap();
    let events: Vec<String> = s
        .all_events()
        .unwrap()
        .into_iter()
        .map(|e| e.body)
        .collect();
    let mut inclusion = Vec::new();
    let mut consistency = Vec::new();
    for &n in &sizes {
        for seq in (0..n).step_by(3).chain([n - 1]) {
            inclusion.push(InclusionProofJson::new(
                &s.inclusion_proof(seq, Some(n)).unwrap(),
                &key,
            ));
        }
        for &m in sizes.iter().filter(|&&m| m <= n) {
            consistency.push(ConsistencyProofJson::new(
                &s.consistency_proof(m, Some(n)).unwrap(),
            ));
        }
    }
    let file = dir.path().join("proofs.json");
    std::fs::write(
        &file,
        serde_json::to_string(&serde_json::json!({
            "events": events, "inclusion": inclusion, "consistency": consistency,
        }))
        .unwrap(),
    )
    .unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(CHECK)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with("checked "), "{said}");
    eprintln!("{said}");
}
