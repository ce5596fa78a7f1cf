use super::*;

#[test]
fn numbers_octal_and_base256() {
    assert_eq!(number(b"0000644\0"), Some(0o644));
    assert_eq!(number(b"   12 \0\0"), Some(0o12));
    assert_eq!(number(b"\0\0\0\0"), Some(0));
    assert_eq!(number(b"0009\0"), None);
    assert_eq!(number(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), Some(256));
    assert_eq!(number(&[0xff; 12]), None);
    assert_eq!(
        number(&[
            0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
        ]),
        None,
        "overflow"
    );
}

#[test]
fn checksums_signed_and_unsigned() {
    let mut h = vec![0u8; 512];
    h[0] = 0xe9; // a byte whose signed and unsigned values differ
    h[156] = b'0';
    let unsigned: u32 = h.iter().map(|&b| u32::from(b)).sum::<u32>() + 8 * 32;
    h[148..156].copy_from_slice(format!("{unsigned:06o}\0 ").as_bytes());
    assert!(checksum_ok(&h));
    let signed = unsigned - 256;
    h[148..156].copy_from_slice(format!("{signed:06o}\0 ").as_bytes());
    assert!(checksum_ok(&h));
    h[148..156].copy_from_slice(b"0000000\0");
    assert!(!checksum_ok(&h));
}

#[test]
fn pax_records_override_the_next_header() {
    let mut o = Overrides::default();
    assert!(pax_records(
        b"18 path=a/b/c.pkl\n17 linkpath=/etc\n11 size=42\n",
        &mut o
    ));
    assert_eq!(o.path.as_deref(), Some("a/b/c.pkl"));
    assert_eq!(o.linkpath.as_deref(), Some("/etc"));
    assert_eq!(o.size, Some(42));
    let mut o = Overrides::default();
    assert!(pax_records(b"22 GNU.sparse.major=1\n", &mut o) && o.sparse);
    assert!(
        !pax_records(b"99 path=x\n", &mut Overrides::default()),
        "length past the end"
    );
    assert!(
        !pax_records(b"3 x\n", &mut Overrides::default()),
        "no key/value"
    );
    assert!(
        !pax_records(b"0 \n", &mut Overrides::default()),
        "zero length cannot advance"
    );
}

#[test]
fn sniff_needs_a_checksum_or_the_magic() {
    assert!(!sniff(&[0u8; 512]));
    assert!(!sniff(&[b'a'; 511]));
    let mut h = vec![0u8; 512];
    h[257..262].copy_from_slice(b"ustar");
    assert!(sniff(&h));
}
