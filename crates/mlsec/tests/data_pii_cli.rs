//! End-to-end tests of `mlsec data pii` and `mlsec data anonymize` through the real binary.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn mlsec() -> Command {
    let mut c = Command::cargo_bin("mlsec").unwrap();
    c.env("NO_COLOR", "1").env_remove("MLSEC_LOG");
    c
}

/// A small customer table with e-mails, phones, cards, birth dates, postcodes and free text.
fn customers(dir: &Path) -> PathBuf {
    let p = dir.join("customers.csv");
    let mut s = String::from("id,email,phone,card,dob,zip,age,notes,diagnosis\n");
    let cards = [
        "4111 1111 1111 1111",
        "5555 5555 5555 4444",
        "3782 822463 10005",
    ];
    for i in 0..60 {
        s.push_str(&format!(
            "{i},person{}@example.com,+44 20 7946 {:04},{},19{}-0{}-1{},0213{},{},{},{}\n",
            i % 20,
            1000 + i,
            cards[i % 3],
            60 + i % 30,
            1 + i % 9,
            i % 9,
            i % 5,
            20 + i % 50,
            if i % 10 == 0 {
                "called back and mailed jane@example.org"
            } else {
                "no answer"
            },
            ["flu", "cold", "asthma"][i % 3],
        ));
    }
    std::fs::write(&p, s).unwrap();
    p
}

#[test]
fn pii_flags_columns_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let data = customers(dir.path());
    let out = mlsec()
        .args(["data", "pii"])
        .arg(&data)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for needle in [
        "PII001 email-address",
        "PII002 phone-number",
        "PII003 payment-card",
        "PII013 date-of-birth",
        "PII015 postcode",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(
        !text.contains("person1@example.com"),
        "values are never printed"
    );
}

#[test]
fn pii_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = customers(dir.path());
    let report = dir.path().join("pii.json");
    mlsec()
        .args(["data", "pii", "--format", "json", "--output"])
        .arg(&report)
        .arg(&data)
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(v["schema"], "mlsec.pii/v1");
    assert_eq!(v["rows"], 60);
    assert_eq!(v["verdict"], "pii");
    let cols = v["columns"].as_array().unwrap();
    let col = |n: &str| cols.iter().find(|c| c["name"] == n).unwrap();
    assert_eq!(col("email")["findings"][0]["code"], "PII001");
    assert_eq!(col("email")["findings"][0]["share"], 1.0);
    assert_eq!(col("card")["findings"][0]["code"], "PII003");
    assert_eq!(col("notes")["findings"][0]["code"], "PII001");
    assert_eq!(col("notes")["findings"][0]["matched"], 6);
    assert!(col("id")["findings"].as_array().unwrap().is_empty());
    assert!(col("age")["findings"].as_array().unwrap().is_empty());
}

#[test]
fn pii_clean_file_exits_0_and_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.csv");
    std::fs::write(&clean, "sku,price,created_at\nSKU-ABC-1234,9.99,2024-01-15 10:22:33\nSKU-XYZ-9876,19.5,2024-02-01 08:00:01\n").unwrap();
    mlsec().args(["data", "pii"]).arg(&clean).assert().code(0);
    mlsec()
        .args(["data", "pii"])
        .arg(dir.path().join("missing.csv"))
        .assert()
        .code(2);
    let explained = mlsec()
        .args(["data", "pii", "--explain", "PII003"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8(explained)
            .unwrap()
            .contains("## Why it matters")
    );
}

const SECRET: &str = "UNIQUE-SECRET-KEY-5f3a9c1e7b2d";

#[test]
fn anonymize_never_leaks_the_key_and_tokens_join() {
    let dir = tempfile::tempdir().unwrap();
    let data = customers(dir.path());
    let key = dir.path().join("k");
    std::fs::write(&key, format!("{SECRET}\n")).unwrap();
    let out1 = dir.path().join("out1.csv");
    let policy_out = dir.path().join("policy.toml");
    let run = mlsec()
        .args(["data", "anonymize", "--log", "trace", "--key-file"])
        .arg(&key)
        .arg("-o")
        .arg(&out1)
        .arg("--write-policy")
        .arg(&policy_out)
        .args([
            "--quasi-identifiers",
            "age,zip",
            "--sensitive",
            "diagnosis",
            "--format",
            "json",
        ])
        .arg(&data)
        .assert()
        .code(0);
    let o = run.get_output();
    let anon = std::fs::read_to_string(&out1).unwrap();
    let policy = std::fs::read_to_string(&policy_out).unwrap();
    let hex: String = SECRET.bytes().map(|b| format!("{b:02x}")).collect();
    for (what, text) in [
        ("stdout", String::from_utf8_lossy(&o.stdout).into_owned()),
        ("stderr", String::from_utf8_lossy(&o.stderr).into_owned()),
        ("output", anon.clone()),
        ("policy", policy.clone()),
    ] {
        assert!(
            !text.contains(SECRET) && !text.contains(&hex),
            "key bytes in {what}"
        );
        assert!(!text.contains("KEY-5f3a"), "part of the key in {what}");
    }
    // The default policy pseudonymised e-mails and masked cards.
    assert!(policy.contains("[columns.email]") && policy.contains("pseudonymize"));
    assert!(!anon.contains("@example.com"));
    assert!(anon.contains("**** **** **** 1111"));
    assert!(
        anon.contains("[email-address]"),
        "free text redacted: {anon}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "mlsec.anonymize/v1");
    assert_eq!(v["rows"], 60);
    assert!(v["after"]["k"].as_u64().unwrap() >= v["before"]["k"].as_u64().unwrap());

    // Same key, same tokens: the pseudonymised column still joins.
    let out2 = dir.path().join("out2.csv");
    mlsec()
        .args(["data", "anonymize", "--key-file"])
        .arg(&key)
        .arg("-o")
        .arg(&out2)
        .arg("--policy")
        .arg(&policy_out)
        .arg(&data)
        .assert()
        .code(0);
    let col = |text: &str| -> Vec<String> {
        text.lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().to_string())
            .collect()
    };
    assert_eq!(col(&anon), col(&std::fs::read_to_string(&out2).unwrap()));
    assert!(col(&anon)[0].starts_with("tok_"));
}

#[test]
fn anonymize_k_threshold_and_policy_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = customers(dir.path());
    let key = dir.path().join("k");
    std::fs::write(&key, SECRET).unwrap();
    let policy = dir.path().join("p.toml");
    std::fs::write(&policy, "[columns.age]\naction = \"keep\"\n").unwrap();
    // Raw ages and zips: classes below 5 → exit 1.
    mlsec()
        .args(["data", "anonymize", "--key-file"])
        .arg(&key)
        .arg("-o")
        .arg(dir.path().join("o.parquet"))
        .arg("--policy")
        .arg(&policy)
        .args(["--quasi-identifiers", "age,zip", "--k", "5"])
        .arg(&data)
        .assert()
        .code(1);
    // Bands of 50 years and a 3-character prefix: one class per prefix-band → k ≥ 5.
    std::fs::write(&policy, "[columns.age]\naction = \"band\"\nwidth = 50\n\n[columns.zip]\naction = \"prefix\"\nkeep = 3\n").unwrap();
    mlsec()
        .args(["data", "anonymize", "--key-file"])
        .arg(&key)
        .arg("-o")
        .arg(dir.path().join("o.parquet"))
        .arg("--policy")
        .arg(&policy)
        .args(["--quasi-identifiers", "age,zip", "--k", "5"])
        .arg(&data)
        .assert()
        .code(0);
    // A bad action points at its line.
    std::fs::write(&policy, "\n[columns.email]\naction = \"hash\"\n").unwrap();
    let e = mlsec()
        .args(["data", "anonymize", "--key-file"])
        .arg(&key)
        .arg("-o")
        .arg(dir.path().join("o.csv"))
        .arg("--policy")
        .arg(&policy)
        .arg(&data)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let e = String::from_utf8(e).unwrap();
    assert!(e.contains("p.toml:3:"), "{e}");
    // A short key is refused without echoing it.
    std::fs::write(&key, "tiny-key\n").unwrap();
    let e = mlsec()
        .args(["data", "anonymize", "--key-file"])
        .arg(&key)
        .arg("-o")
        .arg(dir.path().join("o.csv"))
        .arg(&data)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let e = String::from_utf8(e).unwrap();
    assert!(
        e.contains("fewer than 16") && !e.contains("tiny-key"),
        "{e}"
    );
}
