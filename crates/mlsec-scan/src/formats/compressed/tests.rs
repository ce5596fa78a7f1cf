use super::*;
use crate::{Limits, Policy};
use std::io::Write;

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(3));
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn inner_names_drop_the_compression_suffix() {
    assert_eq!(inner_name("/a/b/model.pkl.gz", Format::Gzip), "model.pkl");
    assert_eq!(inner_name("x.TGZ", Format::Gzip), "x.tar");
    assert_eq!(inner_name("weights.tbz2", Format::Bzip2), "weights.tar");
    assert_eq!(inner_name("model.joblib", Format::Zlib), "<decompressed>");
    assert_eq!(inner_name(".gz", Format::Gzip), "<decompressed>");
    assert_eq!(inner_name("naïve.xz", Format::Xz), "naïve");
}

#[test]
fn lzma_dictionary_sizes_follow_liblzma() {
    for ok in [1 << 12, 1 << 16, 3 << 20, 1 << 23, 1 << 31, 3 << 30] {
        assert!(picky_dict_size(ok), "{ok:#x}");
    }
    for bad in [0, 5, 1000, (1 << 20) + 1, u32::MAX] {
        assert!(!picky_dict_size(bad), "{bad:#x}");
    }
}

#[test]
fn joblib_zfile_prefix() {
    let mut zf = b"ZF0x6                ".to_vec();
    assert_eq!(zf.len(), 21);
    zf.extend_from_slice(&zlib(b"\x80\x02}q\x00."));
    assert_eq!(joblib_zfile(&zf), Some(21));
    assert!(sniff_zlib(&zf));
    // The one extra space Python 2 joblib wrote.
    let mut py2 = b"ZF0x6                 ".to_vec();
    py2.extend_from_slice(&zlib(b"\x80\x02}q\x00."));
    assert_eq!(joblib_zfile(&py2), Some(22));
    assert_eq!(joblib_zfile(b"ZF0xZZ               xxxxxxxxxx"), None);
    assert_eq!(joblib_zfile(b"ZF"), None);
}

#[test]
fn gzip_header_fields_are_skipped() {
    // FEXTRA (2 bytes), FNAME, FCOMMENT, FHCRC.
    let mut h = vec![
        0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3, 2, 0, b'x', b'y', b'n', 0, b'c', 0, 0xaa, 0xbb,
    ];
    let body = h.len();
    h.push(0x03);
    assert_eq!(gzip_header(&h, 0), Some(body));
    assert_eq!(gzip_header(&h[..12], 0), None);
    assert_eq!(gzip_header(b"\x1f\x8b\x07", 0), None);
}

#[test]
fn zlib_sniffer_wants_a_stream_that_inflates() {
    assert!(sniff_zlib(&zlib(b"hello hello hello")));
    assert!(!sniff_zlib(b"\x78\x9c\xff\xff\xff\xff\xff\xff\xff\xff"));
    assert!(!sniff_zlib(b"\x78\x9c"));
}

#[test]
fn stream_scan_notes_the_format_and_recurses() {
    let limits = Limits::default();
    let policy = Policy::default();
    let mut ctx = Ctx::new(&limits, &policy, "m.pkl.z".into());
    scan(&mut ctx, Format::Zlib, &zlib(b"\x80\x02}q\x00."));
    let formats: Vec<_> = ctx
        .state
        .formats
        .iter()
        .map(|(c, f)| format!("{c}={f}"))
        .collect();
    assert_eq!(formats, ["m.pkl.z=zlib", "m.pkl.z!/m.pkl=pickle"]);
}
