//! Container readers end to end: what each archive trick produces, that every member (every
//! view, every duplicate) is reached, that limits end in problems, and that arbitrary or
//! mutated archives never panic.

#[allow(dead_code)]
mod fixtures;

use fixtures::archive::*;
use mlsec_core::{ProblemKind, Severity};
use mlsec_scan::{FileReport, Limits, Policy, Scanner};
use proptest::prelude::*;

fn scan(name: &str, bytes: &[u8]) -> FileReport {
    Scanner::default().scan_bytes(name, bytes)
}

fn rules(r: &FileReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule).collect()
}

fn has(r: &FileReport, rule: &str) -> bool {
    r.findings.iter().any(|f| f.rule == rule)
}

fn severity_of(r: &FileReport, rule: &str) -> Option<Severity> {
    r.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.severity)
        .max()
}

fn formats(r: &FileReport) -> Vec<String> {
    r.formats
        .iter()
        .map(|(c, f)| format!("{c} => {f}"))
        .collect()
}

fn reached(r: &FileReport, chain: &str, format: &str) -> bool {
    r.formats.iter().any(|(c, f)| c == chain && *f == format)
}

fn problem(r: &FileReport, kind: ProblemKind) -> bool {
    r.problems.iter().any(|p| p.kind == kind)
}

/// A zip whose only member is a zip holding a traversal: finding ARC001 inside proves the
/// outer member was scanned.
fn marker() -> Vec<u8> {
    Zip::of(vec![ZipEntry::stored("../escape.txt", b"x")]).build()
}

// ---------------------------------------------------------------- zip

#[test]
fn benign_torch_zip_is_clean_and_every_member_is_reached() {
    let z = Zip::of(vec![
        ZipEntry::stored("archive/data.pkl", PICKLE),
        ZipEntry::deflated("archive/version", b"3\n"),
        ZipEntry::stored("archive/data/0", &[1u8; 3000]),
    ])
    .build();
    let r = scan("m.pt", &z);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r.is_complete(), "{:?}", r.problems);
    assert!(
        reached(&r, "m.pt!/archive/data.pkl", "pickle"),
        "{:?}",
        formats(&r)
    );
    assert!(reached(&r, "m.pt!/archive/data/0", "unknown"));
}

#[test]
fn central_and_local_views_are_both_scanned() {
    let mut e = ZipEntry::stored("archive/data.pkl", PICKLE);
    e.central_name = Some(b"archive/weights.bin".to_vec());
    let r = scan("m.pt", &Zip::of(vec![e]).build());
    assert_eq!(severity_of(&r, "ARC004"), Some(Severity::High));
    assert!(
        reached(&r, "m.pt!/archive/weights.bin", "pickle"),
        "{:?}",
        formats(&r)
    );
    assert!(
        reached(&r, "m.pt!/archive/data.pkl", "pickle"),
        "{:?}",
        formats(&r)
    );
}

#[test]
fn every_duplicate_is_scanned_whichever_comes_first() {
    for order in [0, 1] {
        let mut entries = vec![
            ZipEntry::stored("archive/data.pkl", &marker()),
            ZipEntry::stored("archive/data.pkl", PICKLE),
        ];
        if order == 1 {
            entries.reverse();
        }
        let r = scan("m.pt", &Zip::of(entries).build());
        assert_eq!(severity_of(&r, "ARC003"), Some(Severity::High));
        assert!(has(&r, "ARC001"), "order {order}: {:?}", rules(&r));
        assert!(reached(&r, "m.pt!/archive/data.pkl", "pickle"));
    }
}

#[test]
fn local_entries_missing_from_the_directory_are_scanned() {
    let mut hidden = ZipEntry::stored("payload.zip", &marker());
    hidden.central_copies = 0;
    let r = scan(
        "m.zip",
        &Zip::of(vec![
            ZipEntry::stored("a.txt", b"a"),
            hidden,
            ZipEntry::stored("b.txt", b"b"),
        ])
        .build(),
    );
    assert!(has(&r, "ARC004"), "{:?}", rules(&r));
    assert!(has(&r, "ARC001"), "{:?}", rules(&r));
    assert!(reached(&r, "m.zip!/b.txt", "unknown"));
}

#[test]
fn truncated_zip_is_walked_through_its_local_headers() {
    let z = Zip::of(vec![
        ZipEntry::stored("x/data.pkl", PICKLE),
        ZipEntry::deflated("y.zip", &marker()),
    ])
    .build();
    let cut = &z[..z.len() - 40];
    let r = scan("m.pt", cut);
    assert!(problem(&r, ProblemKind::Truncated), "{:?}", r.problems);
    assert!(
        reached(&r, "m.pt!/x/data.pkl", "pickle"),
        "{:?}",
        formats(&r)
    );
    assert!(has(&r, "ARC001"), "{:?}", rules(&r));
}

#[test]
fn data_descriptors_with_and_without_a_directory() {
    let mut a = ZipEntry::stored("a/data.pkl", PICKLE);
    a.descriptor = true;
    let mut b = ZipEntry::deflated("b/data.pkl", PICKLE);
    b.descriptor = true;
    let z = Zip::of(vec![a, b, ZipEntry::stored("c.txt", b"c")]).build();
    let r = scan("m.pt", &z);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r.is_complete(), "{:?}", r.problems);
    assert!(reached(&r, "m.pt!/a/data.pkl", "pickle") && reached(&r, "m.pt!/b/data.pkl", "pickle"));

    // Without the directory, the ends of streamed entries are found from their data.
    let cd = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let r = scan("m.pt", &z[..cd]);
    assert!(
        reached(&r, "m.pt!/a/data.pkl", "pickle"),
        "{:?}",
        formats(&r)
    );
    assert!(
        reached(&r, "m.pt!/b/data.pkl", "pickle"),
        "{:?}",
        formats(&r)
    );
    assert!(reached(&r, "m.pt!/c.txt", "unknown"), "{:?}", formats(&r));
}

#[test]
fn descriptor_flag_without_a_descriptor_is_not_a_gap() {
    let mut a = ZipEntry::stored("a/data.pkl", PICKLE);
    a.flags = 0x0008;
    let z = Zip::of(vec![a, ZipEntry::stored("b.txt", b"b")]).build();
    let r = scan("m.pt", &z);
    assert!(
        r.findings.is_empty() && r.is_complete(),
        "{:?} {:?}",
        r.findings,
        r.problems
    );
}

#[test]
fn zip64_end_records_are_followed() {
    let z = Zip {
        zip64: true,
        ..Zip::of(vec![ZipEntry::stored("archive/data.pkl", PICKLE)])
    }
    .build();
    let r = scan("m.pt", &z);
    assert!(
        r.findings.is_empty() && r.is_complete(),
        "{:?} {:?}",
        r.findings,
        r.problems
    );
    assert!(reached(&r, "m.pt!/archive/data.pkl", "pickle"));
}

#[test]
fn prepended_bytes_make_a_polyglot_and_are_scanned() {
    let z = Zip {
        prefix: PICKLE.to_vec(),
        ..Zip::of(vec![ZipEntry::stored("archive/data.pkl", PICKLE)])
    }
    .build();
    let r = scan("m.pt", &z);
    assert_eq!(r.format(), "zip");
    assert_eq!(severity_of(&r, "ARC007"), Some(Severity::Medium));
    assert!(reached(&r, "m.pt!/<prefix>", "pickle"), "{:?}", formats(&r));
    assert!(
        reached(&r, "m.pt!/archive/data.pkl", "pickle"),
        "{:?}",
        formats(&r)
    );
}

#[test]
fn appended_bytes_are_reported_and_scanned() {
    let z = Zip {
        suffix: marker(),
        ..Zip::of(vec![ZipEntry::stored("a", b"a")])
    }
    .build();
    let r = scan("m.zip", &z);
    assert!(has(&r, "ARC007"));
    assert!(
        has(&r, "ARC001"),
        "the trailing zip was not scanned: {:?}",
        formats(&r)
    );
}

#[test]
fn declared_entry_count_must_match() {
    let z = Zip {
        declared_count: Some(5),
        ..Zip::of(vec![ZipEntry::stored("a", b"a")])
    }
    .build();
    assert!(has(&scan("m.zip", &z), "ARC004"));
}

#[test]
fn flags_crc_and_language_bit() {
    for (bits, flagged) in [
        (0x0001, true),
        (0x0020, true),
        (0x0040, true),
        (0x0800, false),
        (0x0002, false),
    ] {
        let mut e = ZipEntry::stored("archive/data.pkl", PICKLE);
        e.flags = bits;
        let r = scan("m.pt", &Zip::of(vec![e]).build());
        assert_eq!(
            has(&r, "ARC005"),
            flagged,
            "flags {bits:#x}: {:?}",
            rules(&r)
        );
        assert!(
            reached(&r, "m.pt!/archive/data.pkl", "pickle"),
            "flagged members are still read"
        );
    }
    let mut e = ZipEntry::deflated("archive/data.pkl", PICKLE);
    e.crc = Some(0);
    let r = scan("m.pt", &Zip::of(vec![e]).build());
    assert_eq!(severity_of(&r, "ARC006"), Some(Severity::Medium));
    assert!(reached(&r, "m.pt!/archive/data.pkl", "pickle"));
}

#[test]
fn truly_encrypted_members_are_problems() {
    let mut e = ZipEntry::stored("secret.bin", &[0x5a; 64]);
    e.flags = 1;
    e.method = Some(8);
    let r = scan("m.zip", &Zip::of(vec![e]).build());
    assert!(has(&r, "ARC005"));
    assert!(problem(&r, ProblemKind::Encrypted), "{:?}", r.problems);
}

#[test]
fn unsupported_methods_are_problems() {
    let mut e = ZipEntry::stored("x.bin", b"abc");
    e.method = Some(6);
    assert!(problem(
        &scan("m.zip", &Zip::of(vec![e]).build()),
        ProblemKind::Unsupported
    ));
}

#[test]
fn lzma_and_zstd_members_are_decoded() {
    let mut data = vec![0x09, 0x14, 0x05, 0x00];
    data.extend_from_slice(&LZMA_ALONE[..5]);
    data.extend_from_slice(&LZMA_ALONE[13..]);
    let mut lz = ZipEntry::stored("a/data.pkl", &data);
    lz.method = Some(14);
    lz.flags = 0x0002;
    lz.declared_size = Some(PICKLE.len() as u32);
    lz.crc = Some(crc32(PICKLE));
    let zst =
        ruzstd::encoding::compress_to_vec(PICKLE, ruzstd::encoding::CompressionLevel::Fastest);
    let mut zs = ZipEntry::stored("b/data.pkl", &zst);
    zs.method = Some(93);
    zs.declared_size = Some(PICKLE.len() as u32);
    zs.crc = Some(crc32(PICKLE));
    let r = scan("m.zip", &Zip::of(vec![lz, zs]).build());
    assert!(
        r.findings.is_empty() && r.is_complete(),
        "{:?} {:?}",
        r.findings,
        r.problems
    );
    assert!(
        reached(&r, "m.zip!/a/data.pkl", "pickle") && reached(&r, "m.zip!/b/data.pkl", "pickle"),
        "{:?}",
        formats(&r)
    );
}

#[test]
fn bombs_are_findings_and_problems() {
    // Declared sizes promise a bomb.
    let r = scan(
        "b.zip",
        &Zip::of(vec![ZipEntry::deflated("zeros", &vec![0u8; 16 << 20])]).build(),
    );
    assert_eq!(
        severity_of(&r, "ARC008"),
        Some(Severity::High),
        "{:?}",
        rules(&r)
    );
    assert!(problem(&r, ProblemKind::LimitExceeded));
    // Declared sizes lie; the output gives it away.
    let mut e = ZipEntry::deflated("zeros", &vec![0u8; 16 << 20]);
    e.declared_size = Some(10);
    let r = scan("b.zip", &Zip::of(vec![e]).build());
    assert!(has(&r, "ARC008"), "{:?}", rules(&r));
    assert!(problem(&r, ProblemKind::LimitExceeded));
    // Overlapping entries.
    let mut e = ZipEntry::stored("k", &[7u8; 100]);
    e.central_copies = 3;
    assert!(has(&scan("b.zip", &Zip::of(vec![e]).build()), "ARC008"));
}

#[test]
fn limits_end_in_problems_never_silence() {
    let entries: Vec<_> = (0..10)
        .map(|i| ZipEntry::stored(&format!("f{i}"), b"x"))
        .collect();
    let limits = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let r = Scanner::new(limits, Policy::default()).scan_bytes("m.zip", &Zip::of(entries).build());
    assert!(problem(&r, ProblemKind::LimitExceeded), "{:?}", r.problems);

    let limits = Limits {
        max_inflated_bytes: 1000,
        ..Limits::default()
    };
    let z = Zip::of(vec![ZipEntry::deflated("big", &[b'a'; 5000])]).build();
    let r = Scanner::new(limits, Policy::default()).scan_bytes("m.zip", &z);
    assert!(problem(&r, ProblemKind::LimitExceeded), "{:?}", r.problems);
    assert!(!has(&r, "ARC008"), "a spent budget is not a bomb");

    let mut nested = PICKLE.to_vec();
    for i in 0..12 {
        nested = Zip::of(vec![ZipEntry::stored(&format!("l{i}"), &nested)]).build();
    }
    assert!(problem(
        &scan("deep.zip", &nested),
        ProblemKind::LimitExceeded
    ));
}

#[test]
fn path_verdicts_and_severities() {
    for (name, sev) in [
        ("../../x", Some(Severity::Critical)),
        ("/abs", Some(Severity::Critical)),
        ("C:\\x", Some(Severity::Critical)),
        ("a\\..\\..\\x", Some(Severity::Critical)),
        ("a\\b", Some(Severity::Medium)),
        ("ok/a/../b", None),
    ] {
        let r = scan(
            "m.zip",
            &Zip::of(vec![ZipEntry::stored(name, b"x")]).build(),
        );
        assert_eq!(severity_of(&r, "ARC001"), sev, "{name}");
    }
}

// ---------------------------------------------------------------- tar

#[test]
fn tar_names_from_gnu_and_pax_headers() {
    let long = tar_member("././@LongLink", b'L', b"../../../evil.pth\0", "");
    let r = scan(
        "a.tar",
        &tar(&[long, tar_member("innocent", b'0', PICKLE, "")]),
    );
    assert_eq!(severity_of(&r, "ARC001"), Some(Severity::Critical));
    assert!(
        reached(&r, "a.tar!/../../../evil.pth", "pickle"),
        "{:?}",
        formats(&r)
    );

    let r = scan(
        "a.tar",
        &tar(&[
            pax(&[("path", "model/data.pkl")]),
            tar_member("x", b'0', PICKLE, ""),
        ]),
    );
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(
        reached(&r, "a.tar!/model/data.pkl", "pickle"),
        "{:?}",
        formats(&r)
    );
}

#[test]
fn v7_tar_without_magic_is_recognised_by_checksum() {
    let mut m = tar_member("sys_info", b'0', PICKLE, "");
    m[257..265].fill(0);
    set_tar_checksum(&mut m[..512]);
    let r = scan("legacy.pt", &tar(&[m]));
    assert_eq!(r.format(), "tar");
    assert!(reached(&r, "legacy.pt!/sys_info", "pickle"));
}

#[test]
fn torch_legacy_tar_reaches_every_pickle() {
    let t = tar(&[
        tar_member("sys_info", b'0', PICKLE, ""),
        tar_member("pickle", b'0', PICKLE, ""),
        tar_member("tensors", b'0', PICKLE, ""),
        tar_member("storages", b'0', PICKLE, ""),
    ]);
    let r = scan("old.pt", &t);
    for m in ["sys_info", "pickle", "tensors", "storages"] {
        assert!(
            reached(&r, &format!("old.pt!/{m}"), "pickle"),
            "{m}: {:?}",
            formats(&r)
        );
    }
    assert!(r.findings.is_empty() && r.is_complete());
}

#[test]
fn tar_links_devices_and_duplicates() {
    let r = scan(
        "a.tar",
        &tar(&[tar_member("w", b'1', b"", "../../etc/shadow")]),
    );
    assert_eq!(severity_of(&r, "ARC002"), Some(Severity::Critical));
    let r = scan("a.tar", &tar(&[tar_member("d/l", b'2', b"", "../x")]));
    assert!(
        !has(&r, "ARC002"),
        "a link that stays inside is fine: {:?}",
        rules(&r)
    );
    let r = scan(
        "a.tar",
        &tar(&[
            tar_member("d", b'2', b"", "sub"),
            tar_member("d/f", b'0', b"x", ""),
        ]),
    );
    assert_eq!(severity_of(&r, "ARC002"), Some(Severity::Medium));
    let r = scan("a.tar", &tar(&[tar_member("sda", b'4', b"", "")]));
    assert_eq!(severity_of(&r, "ARC009"), Some(Severity::Medium));
    let r = scan(
        "a.tar",
        &tar(&[
            tar_member("a/x", b'0', b"1", ""),
            tar_member("./a//x", b'0', b"2", ""),
        ]),
    );
    assert_eq!(severity_of(&r, "ARC003"), Some(Severity::High));
}

#[test]
fn tar_damage_is_reported() {
    let mut t = tar(&[
        tar_member("a", b'0', PICKLE, ""),
        tar_member("b", b'0', PICKLE, ""),
    ]);
    t[512 + 512 + 10] ^= 0xff; // second header's name: checksum no longer matches
    let r = scan("a.tar", &t);
    assert!(problem(&r, ProblemKind::Malformed), "{:?}", r.problems);
    assert!(reached(&r, "a.tar!/a", "pickle"));

    let t = tar(&[tar_member("big", b'0', &[1u8; 5000], "")]);
    let r = scan("a.tar", &t[..2000]);
    assert!(problem(&r, ProblemKind::Truncated), "{:?}", r.problems);

    let r = scan("a.tar", &tar(&[tar_member("s", b'S', b"", "")]));
    assert!(problem(&r, ProblemKind::Unsupported));
}

#[test]
fn tar_data_after_the_end_marker_is_scanned() {
    let mut t = tar(&[tar_member("a", b'0', b"a", "")]);
    t.extend_from_slice(&tar(&[tar_member("../hidden", b'0', PICKLE, "")]));
    let r = scan("a.tar", &t);
    assert!(has(&r, "ARC007"), "{:?}", rules(&r));
    assert!(
        has(&r, "ARC001"),
        "the hidden member was not scanned: {:?}",
        formats(&r)
    );
}

// ---------------------------------------------------------------- streams

#[test]
fn gzip_members_are_concatenated_and_checked() {
    let (a, b) = PICKLE.split_at(3);
    let mut g = gzip(a);
    g.extend_from_slice(&gzip(b));
    let r = scan("m.pkl.gz", &g);
    assert!(
        reached(&r, "m.pkl.gz!/m.pkl", "pickle"),
        "{:?}",
        formats(&r)
    );
    assert!(
        r.findings.is_empty() && r.is_complete(),
        "{:?} {:?}",
        r.findings,
        r.problems
    );

    let mut bad = gzip(PICKLE);
    let n = bad.len();
    bad[n - 8] ^= 1;
    assert!(has(&scan("m.gz", &bad), "ARC006"));

    let mut trailing = gzip(b"hello");
    trailing.extend_from_slice(PICKLE);
    let r = scan("m.gz", &trailing);
    assert!(has(&r, "ARC007"));
    assert!(
        reached(&r, "m.gz!/<trailing>", "pickle"),
        "{:?}",
        formats(&r)
    );
}

#[test]
fn every_stream_codec_reaches_its_content() {
    let zst =
        ruzstd::encoding::compress_to_vec(PICKLE, ruzstd::encoding::CompressionLevel::Fastest);
    let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
    std::io::Write::write_all(&mut lz4, PICKLE).unwrap();
    let lz4 = lz4.finish().unwrap();
    let mut zf = format!("ZF{:<19}", format!("{:#x}", PICKLE.len())).into_bytes();
    zf.extend_from_slice(&zlib(PICKLE));
    for (name, bytes, format) in [
        ("m.pkl.gz", gzip(PICKLE), "gzip"),
        ("m.pkl.bz2", bzip2(PICKLE), "bzip2"),
        ("m.pkl.xz", XZ.to_vec(), "xz"),
        ("m.pkl.lzma", LZMA_ALONE.to_vec(), "lzma"),
        ("m.pkl.zst", zst, "zstd"),
        ("m.pkl.lz4", lz4, "lz4"),
        ("m.pkl.z", zlib(PICKLE), "zlib"),
        ("old.pkl.z", zf, "zlib"),
    ] {
        let r = scan(name, &bytes);
        assert_eq!(r.format(), format, "{name}");
        let inner = format!("{name}!/{}", &name[..name.rfind('.').unwrap()]);
        assert!(reached(&r, &inner, "pickle"), "{name}: {:?}", formats(&r));
        assert!(
            r.findings.is_empty() && r.is_complete(),
            "{name}: {:?} {:?}",
            r.findings,
            r.problems
        );
    }
    assert!(reached(
        &scan("model.joblib", &zlib(PICKLE)),
        "model.joblib!/<decompressed>",
        "pickle"
    ));
}

#[test]
fn stream_bombs_and_corruption() {
    let r = scan("z.bz2", &bzip2(&vec![0u8; 8 << 20]));
    assert_eq!(severity_of(&r, "ARC008"), Some(Severity::High));
    assert!(problem(&r, ProblemKind::LimitExceeded));
    let mut g = gzip(&[7u8; 10_000]);
    g.truncate(g.len() / 2);
    assert!(!scan("x.gz", &g).is_complete());
}

#[test]
fn zlib_and_lzma_sniffers_do_not_claim_random_bytes() {
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..20_000 {
        let mut buf: Vec<u8> = (0..256).map(|_| next() as u8).collect();
        if i % 2 == 0 {
            buf[0] = 0x78;
            buf[1] = 0x9c;
        } else {
            buf[..13].copy_from_slice(&LZMA_ALONE[..13]);
        }
        let f = mlsec_scan::sniff::detect(&buf);
        assert!(
            f != mlsec_scan::Format::Zlib && f != mlsec_scan::Format::Lzma,
            "claimed random bytes as {f:?}"
        );
    }
}

// ---------------------------------------------------------------- 7z

#[test]
fn sevenz_members_are_scanned_and_checked() {
    let s = sevenz(
        &[("archive/data.pkl", PICKLE), ("inner.zip", &marker())],
        &[0x00],
        &[],
    );
    let r = scan("m.7z", &s);
    assert!(
        reached(&r, "m.7z!/archive/data.pkl", "pickle"),
        "{:?} {:?}",
        formats(&r),
        r.problems
    );
    assert!(has(&r, "ARC001"), "{:?}", rules(&r));

    let r = scan(
        "m.7z",
        &sevenz(&[("a", PICKLE), ("a", PICKLE)], &[0x00], &[]),
    );
    assert!(has(&r, "ARC003"));

    let r = scan(
        "m.7z",
        &sevenz(
            &[("model.pt", b"xxxxxxxx")],
            &[0x06, 0xf1, 0x07, 0x01],
            &[0],
        ),
    );
    assert_eq!(severity_of(&r, "ARC010"), Some(Severity::Medium));
    assert!(problem(&r, ProblemKind::Encrypted));
}

// ---------------------------------------------------------------- robustness

/// `lzma.compress(PICKLE, format=lzma.FORMAT_ALONE, preset=1)` from CPython.
const LZMA_ALONE: [u8; 30] = [
    0x5d, 0x00, 0x00, 0x10, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x40, 0x00,
    0x8b, 0x29, 0xd7, 0x80, 0xb9, 0xc1, 0x0f, 0xdf, 0xff, 0xff, 0x08, 0x80, 0x00, 0x00,
];

/// `lzma.compress(PICKLE, format=lzma.FORMAT_XZ, preset=1)` from CPython.
const XZ: [u8; 64] = [
    0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46, 0x02, 0x00, 0x21, 0x01,
    0x10, 0x00, 0x00, 0x00, 0xa8, 0x70, 0x8e, 0x86, 0x01, 0x00, 0x05, 0x80, 0x02, 0x7d, 0x71, 0x00,
    0x2e, 0x00, 0x00, 0x00, 0x41, 0xdd, 0xdc, 0xee, 0x44, 0xc2, 0x9c, 0x14, 0x00, 0x01, 0x1e, 0x06,
    0xc1, 0x2f, 0xa4, 0x1d, 0x1f, 0xb6, 0xf3, 0x7d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x59, 0x5a,
];

fn seeds() -> Vec<Vec<u8>> {
    let mut streamed = ZipEntry::deflated("b/data.pkl", PICKLE);
    streamed.descriptor = true;
    vec![
        Zip {
            zip64: true,
            ..Zip::of(vec![
                ZipEntry::stored("a/data.pkl", PICKLE),
                streamed,
                ZipEntry::stored("n.zip", &marker()),
            ])
        }
        .build(),
        tar(&[
            pax(&[("path", "p/data.pkl"), ("size", "6")]),
            tar_member("x", b'0', PICKLE, ""),
            tar_member("l", b'2', b"", "../t"),
        ]),
        gzip(&tar(&[tar_member("m.pt", b'0', &marker(), "")])),
        sevenz(&[("a", PICKLE), ("b", &marker())], &[0x00], &[]),
        bzip2(PICKLE),
        XZ.to_vec(),
        LZMA_ALONE.to_vec(),
        zlib(PICKLE),
    ]
}

fn run_all(bytes: &[u8]) {
    for reader in ["any", "zip", "tar", "compressed", "sevenzip"] {
        mlsec_scan::fuzzing::run(reader, bytes);
    }
}

proptest! {
    // 256 cases by default; PROPTEST_CASES raises it for longer local runs.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        run_all(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_magic_never_panic(
        magic in 0usize..6,
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let prefix: &[u8] = [&b"PK\x03\x04"[..], b"\x1f\x8b\x08", b"7z\xbc\xaf\x27\x1c\x00\x04", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"BZh9"][magic];
        let mut data = prefix.to_vec();
        data.extend_from_slice(&bytes);
        run_all(&data);
    }

    #[test]
    fn mutated_archives_never_panic(
        seed in 0usize..8,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut data = seeds().swap_remove(seed);
        for (at, value) in flips {
            let i = at.index(data.len());
            data[i] = value;
        }
        if truncate {
            data.truncate(cut.index(data.len() + 1));
        }
        run_all(&data);
    }
}
