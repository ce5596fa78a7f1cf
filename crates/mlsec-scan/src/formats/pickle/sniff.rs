//! Recognising pickles without the `\x80` protocol header (protocols 0 and 1) by structure.

use super::decode::is_dotted_identifier;
use super::ops::{Arg, FrameMode, Op, Reader};

/// Opcodes looked at before deciding.
const MAX_OPS: usize = 100_000;
/// Bytes looked at before deciding.
const MAX_BYTES: usize = 1 << 20;
/// A valid run this long without reaching STOP is a (large) pickle, not chance.
const LONG_RUN: usize = 64;

/// True when `data` starts with a pickle: a protocol header, or a run of opcodes that keeps the
/// unpickler's stack discipline and either ends in STOP with exactly one value (and is the whole
/// input or at least eight opcodes long), or names a
/// plausible `module\nname\n` global and then calls something (a payload cut off by garbage),
/// or runs on validly for [`LONG_RUN`] opcodes. Random tensor bytes and text fail these within
/// a few opcodes.
pub(crate) fn sniff(data: &[u8]) -> bool {
    if data.len() >= 2 && data[0] == 0x80 && data[1] <= 5 {
        return true;
    }
    structural(data)
}

fn structural(data: &[u8]) -> bool {
    let mut r = Reader::new(data, 0, FrameMode::Linear);
    let mut depth = 0usize;
    let mut marks: Vec<usize> = Vec::new();
    let mut ops = 0usize;
    let mut global = false;
    let mut called = false;
    loop {
        if ops >= MAX_OPS || r.pos() > MAX_BYTES {
            return ops >= LONG_RUN;
        }
        let Ok(ins) = r.next() else {
            return global && called;
        };
        ops += 1;
        let fence = marks.last().copied().unwrap_or(0);
        let avail = depth.saturating_sub(fence);
        // (values taken from above the fence, values pushed)
        let (take, give) = match ins.op {
            Op::Mark => {
                marks.push(depth);
                continue;
            }
            Op::Stop => {
                let clean = avail == 1 && marks.is_empty();
                // Short runs only count when they are the whole input: a few random bytes can
                // spell `K\x05.`, eight valid opcodes in a row practically never.
                return clean && (ops >= 8 || r.pos() == data.len());
            }
            Op::Pop => {
                if avail == 0 && marks.last() == Some(&depth) {
                    marks.pop();
                    continue;
                }
                (1, 0)
            }
            Op::PopMark | Op::List | Op::Tuple | Op::Dict | Op::FrozenSet | Op::Inst | Op::Obj => {
                let Some(m) = marks.pop() else {
                    return global && called;
                };
                if ins.op == Op::Obj && depth <= m {
                    return global && called;
                }
                if let (Op::Inst, Arg::Lines(a, b)) = (ins.op, ins.arg) {
                    global |=
                        is_dotted_identifier(a.get(data)) && is_dotted_identifier(b.get(data));
                    called |= global;
                }
                called |= ins.op == Op::Obj && global;
                depth = m + usize::from(ins.op != Op::PopMark);
                continue;
            }
            Op::Appends | Op::SetItems | Op::AddItems => {
                let Some(m) = marks.pop() else {
                    return global && called;
                };
                let fence = marks.last().copied().unwrap_or(0);
                if m <= fence {
                    return global && called;
                }
                depth = m;
                continue;
            }
            Op::Global => {
                if let Arg::Lines(a, b) = ins.arg {
                    global |=
                        is_dotted_identifier(a.get(data)) && is_dotted_identifier(b.get(data));
                }
                (0, 1)
            }
            Op::Dup => (1, 2),
            Op::Memoize
            | Op::Put
            | Op::BinPut
            | Op::LongBinPut
            | Op::ReadonlyBuffer
            | Op::BinPersId => (1, 1),
            Op::Append => (2, 1),
            Op::SetItem => (3, 1),
            Op::Tuple1 => (1, 1),
            Op::Tuple2 | Op::StackGlobal => (2, 1),
            Op::Tuple3 => (3, 1),
            Op::Reduce | Op::Build | Op::NewObj => (2, 1),
            Op::NewObjEx => (3, 1),
            Op::Proto | Op::Frame => (0, 0),
            _ => (0, 1),
        };
        if avail < take {
            return global && called;
        }
        // A call counts only once its operands were really there.
        called |= global && matches!(ins.op, Op::Reduce | Op::Build | Op::NewObj | Op::NewObjEx);
        depth = depth - take + give;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_protocol_0_and_1_pickles() {
        assert!(sniff(b"cos\nsystem\n(S'echo'\ntR."));
        assert!(sniff(b"(dp0\nVkey\np1\nI1\nsS'x'\np2\n(lp3\nI1\naI2\nas."));
        assert!(sniff(b"(S'echo hi'\niposix\nsystem\n."));
        assert!(sniff(b"}q\x00(X\x01\x00\x00\x00aq\x01K\x01u."));
        assert!(sniff(b"\x80\x02N."));
        // A protocol-0 payload cut short by garbage (nullifAI) is still a pickle.
        assert!(sniff(b"cposix\nsystem\n(S'id'\ntR\x00\xffjunk"));
        assert!(sniff(b"N."));
    }

    #[test]
    fn does_not_claim_text_or_random_bytes() {
        assert!(!sniff(b"N.B.: remember to rotate the keys\n"));
        assert!(!sniff(b"{\"a\": 1}"));
        assert!(!sniff(b"import os\nos.system('x')\n"));
        assert!(!sniff(b"cat\ndog\nbird\n"));
        assert!(!sniff(b"1,2,3\n4,5,6\n"));
        assert!(!sniff(b"(see below)"));
        assert!(!sniff(b""));
        let mut x: u32 = 0x1234_5678;
        let mut claimed = 0;
        for _ in 0..2000 {
            let mut buf = [0u8; 256];
            for b in buf.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = (x >> 24) as u8;
            }
            if buf[0] == 0x80 {
                buf[0] = 0;
            }
            claimed += usize::from(sniff(&buf));
        }
        assert_eq!(claimed, 0);
    }
}
