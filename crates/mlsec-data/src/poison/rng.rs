//! A small seeded generator (SplitMix64 seeding xoshiro256++) so that every randomised screen
//! (FastMCD starts, isolation-forest trees) gives the same answer for the same seed on every
//! platform, without a dependency whose stream might change between versions.

/// xoshiro256++ (Blackman and Vigna), seeded through SplitMix64.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator for `seed`; different `stream`s give independent sequences for one seed.
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut sm = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut next = || {
            sm = sm.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for the sizes
    /// used here).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 32).wrapping_mul(n as u64) >> 32) as usize
    }

    /// `m` distinct indices from 0..n (partial Fisher–Yates), in random order.
    pub fn sample(&mut self, n: usize, m: usize) -> Vec<usize> {
        let m = m.min(n);
        if m * 4 < n {
            // Floyd's algorithm: O(m) memory for a small sample of a large range.
            let mut chosen = std::collections::HashSet::with_capacity(m);
            let mut out = Vec::with_capacity(m);
            for j in (n - m)..n {
                let t = self.below(j + 1);
                let v = if chosen.insert(t) { t } else { j };
                if v == j {
                    chosen.insert(j);
                }
                out.push(v);
            }
            return out;
        }
        let mut idx: Vec<usize> = (0..n).collect();
        for i in 0..m {
            let j = i + self.below(n - i);
            idx.swap(i, j);
        }
        idx.truncate(m);
        idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_in_range() {
        let mut a = Rng::new(7, 1);
        let mut b = Rng::new(7, 1);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
            let u = a.uniform();
            assert!((0.0..1.0).contains(&u));
            b.uniform();
            assert!(a.below(13) < 13);
            b.below(13);
        }
        assert_ne!(Rng::new(7, 1).next_u64(), Rng::new(7, 2).next_u64());
    }

    #[test]
    fn samples_are_distinct() {
        let mut r = Rng::new(1, 0);
        for (n, m) in [(10, 10), (1000, 10), (50, 20), (5, 9)] {
            let mut s = r.sample(n, m);
            assert_eq!(s.len(), m.min(n));
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), m.min(n));
            assert!(s.iter().all(|&v| v < n));
        }
    }
}
