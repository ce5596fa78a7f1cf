//! RFC 6962 / RFC 9162 Merkle tree hashing, the compact frontier that makes appends O(log n),
//! and inclusion and consistency proofs with their verifiers.
//!
//! Pure functions and data: storage reaches this module only through the [`NodeId`]s a proof
//! needs, which the store fetches in one round trip and hands back.

use sha2::{Digest as _, Sha256};

/// A SHA-256 output.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 || data)`: the hash of one leaf (RFC 9162 §2.1.1).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node. The 0x00/0x01 prefixes keep a
/// leaf from ever being passed off as a node (second-preimage attacks).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A perfect subtree: at `level` L and `index` i it covers leaves `[i·2^L, (i+1)·2^L)`.
/// Level 0 is a leaf. Every interior hash the store keeps is one of these, so any proof for any
/// tree size up to the current one can be assembled from stored nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves.
    pub level: u8,
    /// Position among the subtrees of that height, from the left.
    pub index: u64,
}

impl NodeId {
    /// First leaf covered.
    pub fn start(self) -> u64 {
        self.index << self.level
    }
}

/// Largest power of two strictly smaller than `n` (`n > 1`): where RFC 6962 splits a tree.
fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The perfect subtrees whose fold is `MTH(D[a:b])`, largest (leftmost) first.
///
/// Only valid for the ranges RFC 6962 recursion produces, where `a` is a multiple of the power of
/// two at or above `b - a`; then the fold from the right, `H(p1, H(p2, … pk))`, equals the
/// recursive definition.
pub fn range_nodes(a: u64, b: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut start = a;
    while start < b {
        let n = b - start;
        // Largest power of two <= n; alignment of `start` follows from the invariant above.
        let level = 63 - n.leading_zeros();
        out.push(NodeId {
            level: level as u8,
            index: start >> level,
        });
        start += 1u64 << level;
    }
    out
}

/// Folds the hashes of [`range_nodes`] (same order) into `MTH` of the range.
pub fn fold_range(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)))
}

/// One element of a proof before the store has looked up the hashes: `MTH(D[start:end])`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofRange {
    /// First leaf of the range.
    pub start: u64,
    /// One past the last leaf.
    pub end: u64,
}

impl ProofRange {
    /// The stored perfect subtrees this element is folded from.
    pub fn nodes(self) -> Vec<NodeId> {
        range_nodes(self.start, self.end)
    }
}

/// The ranges of the audit path `PATH(index, D[0:size])` (RFC 9162 §2.1.3.1), leaf end first.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<ProofRange> {
    let mut out = Vec::new();
    // Walk down from the root, collecting siblings; reverse at the end so the leaf's is first.
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split(hi - lo);
        if index < lo + k {
            out.push(ProofRange {
                start: lo + k,
                end: hi,
            });
            hi = lo + k;
        } else {
            out.push(ProofRange {
                start: lo,
                end: lo + k,
            });
            lo += k;
        }
    }
    out.reverse();
    out
}

/// The ranges of the consistency proof `PROOF(old, D[0:new])` (RFC 9162 §2.1.4.1), in proof
/// order. Empty when `old == 0` or `old == new`.
pub fn consistency_ranges(old: u64, new: u64) -> Vec<ProofRange> {
    let mut out = Vec::new();
    if old == 0 || old >= new {
        return out;
    }
    // SUBPROOF(m, D[lo:hi], complete), unrolled; siblings are gathered top-down and reversed.
    let (mut m, mut lo, mut hi, mut complete) = (old, 0u64, new, true);
    loop {
        let n = hi - lo;
        if m == n {
            if !complete {
                out.push(ProofRange { start: lo, end: hi });
            }
            break;
        }
        let k = split(n);
        if m <= k {
            out.push(ProofRange {
                start: lo + k,
                end: hi,
            });
            hi = lo + k;
        } else {
            out.push(ProofRange {
                start: lo,
                end: lo + k,
            });
            m -= k;
            lo += k;
            complete = false;
        }
    }
    // The recursion emits the subproof before each sibling, so the deepest element (the base
    // case, pushed last here) comes first.
    out.reverse();
    out
}

/// Recomputes the root from a leaf hash and its audit path (RFC 9162 §2.1.3.2).
pub fn root_from_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash]) -> Option<Hash> {
    if index >= size {
        return None;
    }
    let (mut fn_, mut sn, mut r) = (index, size - 1, *leaf);
    for p in path {
        if sn == 0 {
            return None;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (sn == 0).then_some(r)
}

/// True when `path` proves that `leaf` sits at `index` in the tree of `size` leaves with `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    root_from_inclusion(index, size, leaf, path).is_some_and(|r| r == *root)
}

/// True when `proof` shows the tree of `old_size` leaves with `old_root` is a prefix of the tree
/// of `new_size` leaves with `new_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if old_size == 0 {
        // Every tree extends the empty tree; RFC 9162 sends no proof for it.
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && fr == *old_root && sr == *new_root
}

/// The compact range of a tree: the roots of the perfect subtrees that make up `[0, size)`, one
/// per set bit of `size`, largest first. Appending touches only these, so an append costs
/// O(log n) hashes at worst (one on average) instead of a recomputation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; returns the perfect subtrees it completed (level ≥ 1), lowest first,
    /// for the store to keep.
    pub fn push(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let mut made = Vec::new();
        let mut cur = leaf;
        let mut level = 0u8;
        let mut index = self.size;
        while (self.size >> level) & 1 == 1 {
            let Some(left) = self.hashes.pop() else {
                break;
            };
            cur = node_hash(&left, &cur);
            level += 1;
            index >>= 1;
            made.push((NodeId { level, index }, cur));
        }
        self.hashes.push(cur);
        self.size += 1;
        made
    }

    /// The Merkle tree hash of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        match self.hashes.split_last() {
            None => empty_root(),
            Some((last, rest)) => rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)),
        }
    }

    /// `size` as 8 big-endian bytes, then the hashes: the form the store persists.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 32 * self.hashes.len());
        out.extend_from_slice(&self.size.to_be_bytes());
        for h in &self.hashes {
            out.extend_from_slice(h);
        }
        out
    }

    /// Parses [`Frontier::to_bytes`]; `None` if the length does not match the size's bit count.
    pub fn from_bytes(bytes: &[u8]) -> Option<Frontier> {
        let (size, rest) = bytes.split_first_chunk::<8>()?;
        let size = u64::from_be_bytes(*size);
        if rest.len() != 32 * size.count_ones() as usize {
            return None;
        }
        let hashes = rest
            .chunks_exact(32)
            .map(|c| <Hash>::try_from(c).ok())
            .collect::<Option<Vec<_>>>()?;
        Some(Frontier { size, hashes })
    }

    /// The perfect subtrees this frontier holds, largest first, with their ids.
    pub fn nodes(&self) -> Vec<(NodeId, Hash)> {
        range_nodes(0, self.size)
            .into_iter()
            .zip(self.hashes.iter().copied())
            .collect()
    }
}

/// `MTH(D[0:n])` of a list of leaf hashes, by the recursive definition. Slow and obvious: the
/// reference the tests hold the fast paths to.
pub fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// Resolves proof ranges against an in-memory list of leaves, as the store does against its
    /// node table.
    fn resolve(leaves: &[Hash], ranges: &[ProofRange]) -> Vec<Hash> {
        ranges
            .iter()
            .map(|r| reference_root(&leaves[r.start as usize..r.end as usize]))
            .collect()
    }

    fn resolve_by_nodes(leaves: &[Hash], ranges: &[ProofRange]) -> Vec<Hash> {
        ranges
            .iter()
            .map(|r| {
                let hs: Vec<Hash> = r
                    .nodes()
                    .into_iter()
                    .map(|n| {
                        let s = n.start() as usize;
                        reference_root(&leaves[s..s + (1usize << n.level)])
                    })
                    .collect();
                fold_range(&hs).unwrap()
            })
            .collect()
    }

    #[test]
    fn rfc6962_known_roots() {
        // Roots of the RFC 6962 test vectors used by Certificate Transparency implementations
        // (leaves "", 0x00, 0x10, 0x2021, 0x3031, 0x40414243, ...).
        let data: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        let hs: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        let hex = |h: Hash| mlsec_core::digest::to_hex(&h);
        assert_eq!(
            hex(reference_root(&hs[..1])),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(
            hex(reference_root(&hs[..8])),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
        assert_eq!(
            hex(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut f = Frontier::new();
        for h in &hs {
            f.push(*h);
        }
        assert_eq!(f.root(), reference_root(&hs));
    }

    proptest! {
        #[test]
        fn frontier_root_matches_reference(n in 0u64..300) {
            let ls = leaves(n);
            let mut f = Frontier::new();
            for l in &ls { f.push(*l); }
            prop_assert_eq!(f.root(), reference_root(&ls));
            let round = Frontier::from_bytes(&f.to_bytes()).unwrap();
            prop_assert_eq!(round, f);
        }

        #[test]
        fn frontier_reports_every_completed_node(n in 1u64..200) {
            let ls = leaves(n);
            let mut f = Frontier::new();
            for l in &ls {
                for (id, h) in f.push(*l) {
                    let s = id.start() as usize;
                    prop_assert_eq!(h, reference_root(&ls[s..s + (1usize << id.level)]));
                }
            }
        }

        #[test]
        fn inclusion_proofs_verify_and_tampering_fails(size in 1u64..400, idx in 0u64..400, flip in 0usize..32) {
            let index = idx % size;
            let ls = leaves(size);
            let root = reference_root(&ls);
            let ranges = inclusion_ranges(index, size);
            let path = resolve(&ls, &ranges);
            prop_assert_eq!(&path, &resolve_by_nodes(&ls, &ranges));
            prop_assert!(verify_inclusion(index, size, &ls[index as usize], &path, &root));
            // A different leaf, a wrong index or a flipped bit anywhere must fail.
            let mut bad_leaf = ls[index as usize];
            bad_leaf[flip] ^= 1;
            prop_assert!(!verify_inclusion(index, size, &bad_leaf, &path, &root));
            if size > 1 {
                prop_assert!(!verify_inclusion((index + 1) % size, size, &ls[index as usize], &path, &root));
                let mut bad_path = path.clone();
                bad_path[flip % path.len()][flip] ^= 0x80;
                prop_assert!(!verify_inclusion(index, size, &ls[index as usize], &bad_path, &root));
                prop_assert!(!verify_inclusion(index, size, &ls[index as usize], &path[..path.len() - 1], &root));
            }
        }

        #[test]
        fn consistency_proofs_verify_and_tampering_fails(new in 1u64..400, o in 0u64..400, flip in 0usize..32) {
            let old = o % (new + 1);
            let ls = leaves(new);
            let (old_root, new_root) = (reference_root(&ls[..old as usize]), reference_root(&ls));
            let ranges = consistency_ranges(old, new);
            let proof = resolve(&ls, &ranges);
            prop_assert_eq!(&proof, &resolve_by_nodes(&ls, &ranges));
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof));
            if old > 0 && old < new {
                let mut bad_old = old_root;
                bad_old[flip] ^= 1;
                prop_assert!(!verify_consistency(old, new, &bad_old, &new_root, &proof));
                let mut bad_new = new_root;
                bad_new[flip] ^= 1;
                prop_assert!(!verify_consistency(old, new, &old_root, &bad_new, &proof));
                let mut bad_proof = proof.clone();
                bad_proof[flip % proof.len()][flip] ^= 0x80;
                prop_assert!(!verify_consistency(old, new, &old_root, &new_root, &bad_proof));
                // A tree whose prefix was rewritten is not consistent with the old head.
                let mut rewritten = ls.clone();
                rewritten[(flip as u64 % old) as usize][0] ^= 1;
                let rewritten_root = reference_root(&rewritten);
                let rewritten_proof = resolve(&rewritten, &ranges);
                prop_assert!(!verify_consistency(old, new, &old_root, &rewritten_root, &rewritten_proof));
            }
        }
    }
}
