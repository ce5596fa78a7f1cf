//! FF1 format-preserving encryption (NIST SP 800-38G, rev. 1) over a radix-`r` alphabet with
//! AES as the block cipher.
//!
//! Numbers are held in `u128`, so the half-length `v` is limited to values with
//! `radix^v < 2^100` (30 decimal digits, 60 in total); [`Ff1::new`] and the encrypt / decrypt
//! calls check every bound of the standard (radix 2..=2^16 is narrowed to 2..=36 here,
//! `radix^minlen >= 10^6`). Checked against the NIST sample vectors in the tests.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256, Block};

/// Why an FF1 call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Ff1Error {
    /// The key is not 16, 24 or 32 bytes.
    #[error("FF1 needs a 128-, 192- or 256-bit AES key")]
    KeyLength,
    /// The radix is outside 2..=36.
    #[error("FF1 radix must be between 2 and 36")]
    Radix,
    /// The input is too short for the domain to be at least one million values, or too long for
    /// this implementation.
    #[error("FF1 input of {0} symbols is outside the supported length range")]
    Length(usize),
    /// A symbol is not below the radix.
    #[error("FF1 symbol out of range for the radix")]
    Symbol,
}

enum Cipher {
    A128(Box<Aes128>),
    A192(Box<Aes192>),
    A256(Box<Aes256>),
}

/// An FF1 instance: AES key and radix.
pub struct Ff1 {
    cipher: Cipher,
    radix: u32,
}

impl std::fmt::Debug for Ff1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Ff1")
            .field("radix", &self.radix)
            .finish_non_exhaustive()
    }
}

impl Ff1 {
    /// An FF1 instance with an AES key of 16, 24 or 32 bytes.
    pub fn new(key: &[u8], radix: u32) -> Result<Ff1, Ff1Error> {
        if !(2..=36).contains(&radix) {
            return Err(Ff1Error::Radix);
        }
        let cipher = match key.len() {
            16 => Cipher::A128(Box::new(
                Aes128::new_from_slice(key).map_err(|_| Ff1Error::KeyLength)?,
            )),
            24 => Cipher::A192(Box::new(
                Aes192::new_from_slice(key).map_err(|_| Ff1Error::KeyLength)?,
            )),
            32 => Cipher::A256(Box::new(
                Aes256::new_from_slice(key).map_err(|_| Ff1Error::KeyLength)?,
            )),
            _ => return Err(Ff1Error::KeyLength),
        };
        Ok(Ff1 { cipher, radix })
    }

    fn ciph(&self, block: &mut [u8; 16]) {
        let mut b = Block::from(*block);
        match &self.cipher {
            Cipher::A128(c) => c.encrypt_block(&mut b),
            Cipher::A192(c) => c.encrypt_block(&mut b),
            Cipher::A256(c) => c.encrypt_block(&mut b),
        }
        block.copy_from_slice(&b);
    }

    /// The shortest and longest inputs accepted.
    pub fn length_range(&self) -> (usize, usize) {
        let r = u128::from(self.radix);
        let mut min = 2;
        while r.pow(min as u32) < 1_000_000 {
            min += 1;
        }
        let mut v = 1;
        while r.checked_pow(v + 1).is_some_and(|x| x < 1 << 100) {
            v += 1;
        }
        (min, 2 * v as usize)
    }

    fn check(&self, x: &[u16]) -> Result<(), Ff1Error> {
        let (lo, hi) = self.length_range();
        if x.len() < lo || x.len() > hi {
            return Err(Ff1Error::Length(x.len()));
        }
        if x.iter().any(|&s| u32::from(s) >= self.radix) {
            return Err(Ff1Error::Symbol);
        }
        Ok(())
    }

    /// Encrypts the symbols `x` (each below the radix) under `tweak`.
    pub fn encrypt(&self, x: &[u16], tweak: &[u8]) -> Result<Vec<u16>, Ff1Error> {
        self.check(x)?;
        let n = x.len();
        let u = n / 2;
        let (mut a, mut b) = (x[..u].to_vec(), x[u..].to_vec());
        let p = self.p_block(u, n, tweak.len());
        for i in 0..10u8 {
            let m = if i % 2 == 0 { u } else { n - u };
            let y = self.round(&p, tweak, i, &b, n - u, m);
            let modulus = u128::from(self.radix).pow(m as u32);
            let c = (self.num(&a) + y) % modulus;
            a = b;
            b = self.str_m(c, m);
        }
        a.extend(b);
        Ok(a)
    }

    /// Decrypts what [`Ff1::encrypt`] produced with the same key, radix and tweak.
    pub fn decrypt(&self, x: &[u16], tweak: &[u8]) -> Result<Vec<u16>, Ff1Error> {
        self.check(x)?;
        let n = x.len();
        let u = n / 2;
        let (mut a, mut b) = (x[..u].to_vec(), x[u..].to_vec());
        let p = self.p_block(u, n, tweak.len());
        for i in (0..10u8).rev() {
            let m = if i % 2 == 0 { u } else { n - u };
            let y = self.round(&p, tweak, i, &a, n - u, m);
            let modulus = u128::from(self.radix).pow(m as u32);
            let c = (self.num(&b) + modulus - y % modulus) % modulus;
            b = a;
            a = self.str_m(c, m);
        }
        a.extend(b);
        Ok(a)
    }

    fn p_block(&self, u: usize, n: usize, t: usize) -> [u8; 16] {
        let mut p = [0u8; 16];
        p[..3].copy_from_slice(&[1, 2, 1]);
        p[3..6].copy_from_slice(&self.radix.to_be_bytes()[1..]);
        p[6] = 10;
        p[7] = (u % 256) as u8;
        p[8..12].copy_from_slice(&(n as u32).to_be_bytes());
        p[12..16].copy_from_slice(&(t as u32).to_be_bytes());
        p
    }

    /// Bytes needed for NUM_radix of `v` symbols: ceil(ceil(v·log2(radix)) / 8).
    fn b_len(&self, v: usize) -> usize {
        let x = u128::from(self.radix).pow(v as u32);
        let bits = 128 - (x - 1).leading_zeros() as usize;
        bits.div_ceil(8)
    }

    /// One Feistel round's y = NUM(S) mod radix^m for round `i` with half `half`.
    fn round(&self, p: &[u8; 16], tweak: &[u8], i: u8, half: &[u16], v: usize, m: usize) -> u128 {
        let b = self.b_len(v);
        let d = 4 * b.div_ceil(4) + 4;
        let t = tweak.len();
        let pad = (16 - (t + b + 1) % 16) % 16;
        let mut q = Vec::with_capacity(t + pad + 1 + b);
        q.extend_from_slice(tweak);
        q.resize(t + pad, 0);
        q.push(i);
        let num = self.num(half).to_be_bytes();
        q.extend_from_slice(&num[16 - b..]);
        // PRF: CBC-MAC over P || Q with a zero IV.
        let mut r = *p;
        self.ciph(&mut r);
        for chunk in q.chunks(16) {
            for (x, c) in r.iter_mut().zip(chunk) {
                *x ^= c;
            }
            self.ciph(&mut r);
        }
        let mut s = r.to_vec();
        let mut j: u128 = 1;
        while s.len() < d {
            let mut blk = (u128::from_be_bytes(r) ^ j).to_be_bytes();
            self.ciph(&mut blk);
            s.extend_from_slice(&blk);
            j += 1;
        }
        let modulus = u128::from(self.radix).pow(m as u32);
        s[..d]
            .iter()
            .fold(0u128, |acc, &byte| (acc * 256 + u128::from(byte)) % modulus)
    }

    fn num(&self, x: &[u16]) -> u128 {
        x.iter().fold(0u128, |acc, &s| {
            acc * u128::from(self.radix) + u128::from(s)
        })
    }

    fn str_m(&self, mut c: u128, m: usize) -> Vec<u16> {
        let r = u128::from(self.radix);
        let mut out = vec![0u16; m];
        for slot in out.iter_mut().rev() {
            *slot = (c % r) as u16;
            c /= r;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn syms(s: &str) -> Vec<u16> {
        s.chars().map(|c| c.to_digit(36).unwrap() as u16).collect()
    }

    fn text(x: &[u16]) -> String {
        x.iter()
            .map(|&d| char::from_digit(u32::from(d), 36).unwrap())
            .collect()
    }

    const K128: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
    const K192: &str = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F";
    const K256: &str = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94";

    /// NIST SP 800-38G FF1 samples 1–9 (csrc.nist.gov, "FF1samples.pdf").
    #[test]
    fn nist_sample_vectors() {
        let cases = [
            (K128, 10, "", "0123456789", "2433477484"),
            (K128, 10, "39383736353433323130", "0123456789", "6124200773"),
            (
                K128,
                36,
                "3737373770717273373737",
                "0123456789abcdefghi",
                "a9tv40mll9kdu509eum",
            ),
            (K192, 10, "", "0123456789", "2830668132"),
            (K192, 10, "39383736353433323130", "0123456789", "2496655549"),
            (
                K192,
                36,
                "3737373770717273373737",
                "0123456789abcdefghi",
                "xbj3kv35jrawxv32ysr",
            ),
            (K256, 10, "", "0123456789", "6657667009"),
            (K256, 10, "39383736353433323130", "0123456789", "1001623463"),
            (
                K256,
                36,
                "3737373770717273373737",
                "0123456789abcdefghi",
                "xs8a0azh2avyalyzuwd",
            ),
        ];
        for (key, radix, tweak, pt, ct) in cases {
            let f = Ff1::new(&hex(key), radix).unwrap();
            let got = f.encrypt(&syms(pt), &hex(tweak)).unwrap();
            assert_eq!(text(&got), ct, "key {key} radix {radix} tweak {tweak}");
            assert_eq!(text(&f.decrypt(&got, &hex(tweak)).unwrap()), pt);
        }
    }

    #[test]
    fn bounds_are_checked() {
        let f = Ff1::new(&hex(K256), 10).unwrap();
        assert_eq!(f.length_range(), (6, 60));
        assert_eq!(f.encrypt(&syms("12345"), b""), Err(Ff1Error::Length(5)));
        assert_eq!(f.encrypt(&[1, 2, 3, 4, 5, 10], b""), Err(Ff1Error::Symbol));
        assert!(Ff1::new(&[0; 15], 10).is_err());
        let long: Vec<u16> = (0..60).map(|i| (i % 10) as u16).collect();
        let ct = f.encrypt(&long, b"t").unwrap();
        assert_eq!(f.decrypt(&ct, b"t").unwrap(), long);
    }
}
