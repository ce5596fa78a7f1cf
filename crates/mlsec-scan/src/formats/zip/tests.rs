use super::*;
use crate::{Limits, Policy};
use std::io::Write;

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn deflate_end_finds_the_stream_end_without_keeping_output() {
    let mut z = deflate(&vec![3u8; 200_000]);
    let n = z.len() as u64;
    z.extend_from_slice(b"PK\x07\x08rest");
    assert_eq!(deflate_end(&z, 1 << 20), Some(n));
    assert_eq!(
        deflate_end(&z, 1000),
        None,
        "output beyond the cap ends the search"
    );
    assert_eq!(deflate_end(b"\xff\xff\xff", 1 << 20), None);
}

#[test]
fn tail_sniffer_wants_the_record_at_the_very_end() {
    // Local header, central record, end record for one empty stored entry named "a".
    let mut z = Vec::new();
    z.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00a");
    let cd = z.len() as u32;
    z.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00");
    z.extend_from_slice(&[0; 12]);
    z.extend_from_slice(&0u32.to_le_bytes());
    z.push(b'a');
    let size = z.len() as u32 - cd;
    z.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
    z.extend_from_slice(&size.to_le_bytes());
    z.extend_from_slice(&cd.to_le_bytes());
    z.extend_from_slice(&[0, 0]);
    let mut shifted = b"garbage-in-front".to_vec();
    shifted.extend_from_slice(&z);
    assert!(sniff_tail(&shifted));
    let mut embedded = shifted.clone();
    embedded.extend_from_slice(b"trailer");
    assert!(
        !sniff_tail(&embedded),
        "a zip followed by other bytes is embedded, not the container"
    );

    let limits = Limits::default();
    let policy = Policy::default();
    let mut ctx = Ctx::new(&limits, &policy, "x".into());
    scan(&mut ctx, &shifted);
    assert!(ctx.state.findings.iter().any(|f| f.rule == "ARC007"));
    assert!(ctx.state.formats.iter().any(|(c, _)| c == "x!/a"));
}
