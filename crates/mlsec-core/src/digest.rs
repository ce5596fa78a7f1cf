//! Content digests. The model digest that joins all mlsec evidence is one of these.

use std::fmt;

/// A hash algorithm mlsec names in evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// SHA-256 (the default, compatible with OpenSSF Model Signing).
    Sha256,
    /// BLAKE2b-512.
    Blake2b,
    /// BLAKE3-256.
    Blake3,
}

impl DigestAlgorithm {
    /// The name used in `algo:hex` strings.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Blake2b => "blake2b",
            DigestAlgorithm::Blake3 => "blake3",
        }
    }

    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 | DigestAlgorithm::Blake3 => 32,
            DigestAlgorithm::Blake2b => 64,
        }
    }
}

/// A digest: an algorithm and its output bytes. Displays as `sha256:ab12…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: DigestAlgorithm,
    bytes: Vec<u8>,
}

/// Why a string is not a valid `algo:hex` digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDigestError(String);

impl fmt::Display for ParseDigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseDigestError {}

impl Digest {
    /// Wraps digest bytes; `None` if the length does not fit the algorithm.
    pub fn new(algorithm: DigestAlgorithm, bytes: Vec<u8>) -> Option<Digest> {
        (bytes.len() == algorithm.output_len()).then_some(Digest { algorithm, bytes })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Lowercase hex of the digest bytes.
    pub fn hex(&self) -> String {
        to_hex(&self.bytes)
    }

    /// Parses `algo:hex`.
    pub fn parse(s: &str) -> Result<Digest, ParseDigestError> {
        let (algo, hex) = s
            .split_once(':')
            .ok_or_else(|| ParseDigestError(format!("digest `{s}` is not of the form algo:hex")))?;
        let algorithm = match algo {
            "sha256" => DigestAlgorithm::Sha256,
            "blake2b" => DigestAlgorithm::Blake2b,
            "blake3" => DigestAlgorithm::Blake3,
            other => {
                return Err(ParseDigestError(format!(
                    "unknown digest algorithm `{other}`"
                )));
            }
        };
        let bytes = from_hex(hex)
            .ok_or_else(|| ParseDigestError(format!("digest `{s}` has invalid hex")))?;
        Digest::new(algorithm, bytes).ok_or_else(|| {
            ParseDigestError(format!("digest `{s}` has the wrong length for {algo}"))
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.hex())
    }
}

/// Lowercase hex encoding.
pub fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    s.as_bytes()
        .chunks_exact(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let s = format!("sha256:{}", "ab".repeat(32));
        let d = Digest::parse(&s).unwrap();
        assert_eq!(d.to_string(), s);
        assert_eq!(d.algorithm(), DigestAlgorithm::Sha256);
        assert!(Digest::parse("sha256:abc").is_err());
        assert!(Digest::parse("md5:00").is_err());
        assert!(Digest::parse(&format!("sha256:{}", "zz".repeat(32))).is_err());
        assert!(Digest::parse("nocolon").is_err());
    }
}
