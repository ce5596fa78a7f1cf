//! CycloneDX 1.6 ML-BOM, generated from a model manifest.
//!
//! The model is one `machine-learning-model` component whose nested `file` components carry the
//! manifest's per-file digests (the same digests a signature covers, so the BOM's hashes can be
//! checked against the signed manifest), whose `modelCard` carries what the files say about the
//! model (architecture from `config.json`, parameter count from a safetensors header, license
//! from a Hugging Face model card), and whose properties carry the OMS root digest and the
//! results of `mlsec scan` on the same files.

use crate::error::{Error, Result};
use crate::hashing::{HashAlgorithm, read_capped};
use crate::manifest::{Manifest, Method};
use mlsec_core::digest::to_hex;
use mlsec_core::{Finding, Problem, Severity};
use serde::Serialize;
use std::path::Path;
use std::time::SystemTime;

/// Largest `config.json` / README read for model-card fields.
const MAX_CARD_FILE: u64 = 4 << 20;
/// Largest safetensors header parsed (the format's own readers cap it at 100 MB).
const MAX_SAFETENSORS_HEADER: u64 = 100 << 20;

/// The scan result of one model file, as the BOM records it.
#[derive(Debug, Clone, Default)]
pub struct FileScan {
    /// Path relative to the model root (as in the manifest).
    pub file: String,
    /// The detected format (`safetensors`, `pickle`, …).
    pub format: String,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Parts that could not be fully checked.
    pub problems: Vec<Problem>,
}

/// What the BOM says about the model beyond the manifest.
#[derive(Debug, Clone, Default)]
pub struct BomInput<'a> {
    /// The model's name (the subject name of a signature: the directory's base name).
    pub name: String,
    /// Per-file scan results; files without an entry are recorded as not scanned.
    pub scans: &'a [FileScan],
    /// BOM timestamp; `None` leaves it out (deterministic output).
    pub timestamp: Option<SystemTime>,
    /// Version of the generating tool.
    pub tool_version: &'a str,
}

/// Model-card facts read from the files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelFacts {
    /// `model_type` from config.json (e.g. `llama`).
    pub architecture_family: Option<String>,
    /// `architectures[0]` from config.json (e.g. `LlamaForCausalLM`).
    pub architecture: Option<String>,
    /// Total number of parameters, when a weights format states the tensor shapes.
    pub parameter_count: Option<u64>,
    /// Where the parameter count came from.
    pub parameter_source: Option<String>,
    /// The license named by the model card (`license:` in README.md front matter) or
    /// config.json.
    pub license: Option<String>,
}

#[derive(Serialize)]
struct Bom {
    #[serde(rename = "bomFormat")]
    bom_format: &'static str,
    #[serde(rename = "specVersion")]
    spec_version: &'static str,
    #[serde(rename = "serialNumber")]
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
}

#[derive(Serialize)]
struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "type")]
    type_: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(rename = "modelCard", skip_serializing_if = "Option::is_none")]
    model_card: Option<ModelCard>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
struct LicenseChoice {
    license: License,
}

#[derive(Serialize)]
struct License {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
struct ModelCard {
    #[serde(rename = "modelParameters", skip_serializing_if = "Option::is_none")]
    model_parameters: Option<ModelParameters>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct ModelParameters {
    #[serde(rename = "architectureFamily", skip_serializing_if = "Option::is_none")]
    architecture_family: Option<String>,
    #[serde(rename = "modelArchitecture", skip_serializing_if = "Option::is_none")]
    model_architecture: Option<String>,
}

#[derive(Serialize)]
struct Property {
    name: String,
    value: String,
}

fn prop(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: name.into(),
        value: value.into(),
    }
}

/// SPDX identifiers for the license names Hugging Face model cards use most; anything else is
/// recorded as a license *name*, which the schema accepts without an SPDX lookup.
fn spdx_id(license: &str) -> Option<&'static str> {
    Some(match license.to_ascii_lowercase().as_str() {
        "apache-2.0" => "Apache-2.0",
        "mit" => "MIT",
        "bsd-3-clause" => "BSD-3-Clause",
        "bsd-2-clause" => "BSD-2-Clause",
        "cc-by-4.0" => "CC-BY-4.0",
        "cc-by-sa-4.0" => "CC-BY-SA-4.0",
        "cc-by-nc-4.0" => "CC-BY-NC-4.0",
        "cc0-1.0" => "CC0-1.0",
        "gpl-3.0" => "GPL-3.0-only",
        "lgpl-3.0" => "LGPL-3.0-only",
        "mpl-2.0" => "MPL-2.0",
        "openrail" => "OpenRAIL",
        "unlicense" => "Unlicense",
        _ => return None,
    })
}

/// Reads model-card facts from the files of a model directory (or single file).
///
/// Never fails on malformed content: a config.json that is not JSON, or a truncated
/// safetensors header, simply contributes nothing.
pub fn model_facts(model: &Path, manifest: &Manifest) -> ModelFacts {
    let mut facts = ModelFacts::default();
    let file = |rel: &str| {
        manifest
            .files
            .iter()
            .find(|f| f.rel == rel)
            .map(|f| f.path.clone())
    };
    if let Some(p) = file("config.json")
        && let Ok(Some(bytes)) = read_capped(&p, MAX_CARD_FILE)
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
    {
        facts.architecture = v
            .get("architectures")
            .and_then(|a| a.get(0))
            .and_then(|a| a.as_str())
            .map(str::to_string);
        facts.architecture_family = v
            .get("model_type")
            .and_then(|a| a.as_str())
            .map(str::to_string);
        facts.license = v
            .get("license")
            .and_then(|a| a.as_str())
            .map(str::to_string);
    }
    if let Some(p) = file("README.md")
        && let Ok(Some(bytes)) = read_capped(&p, MAX_CARD_FILE)
        && let Some(l) = front_matter_license(&String::from_utf8_lossy(&bytes))
    {
        facts.license = Some(l);
    }
    // Sum the parameters of every safetensors file (sharded checkpoints have several).
    let mut total: Option<u64> = None;
    for f in &manifest.files {
        let is_st = f.rel.ends_with(".safetensors")
            || (f.rel == "." && model.extension().is_some_and(|e| e == "safetensors"));
        if !is_st {
            continue;
        }
        if let Some(n) = safetensors_parameters(&f.path) {
            total = Some(total.unwrap_or(0).saturating_add(n));
        }
    }
    if let Some(n) = total {
        facts.parameter_count = Some(n);
        facts.parameter_source = Some("safetensors header".into());
    }
    for f in &manifest.files {
        let is_gguf = f.rel.ends_with(".gguf")
            || (f.rel == "." && model.extension().is_some_and(|e| e == "gguf"));
        if !is_gguf {
            continue;
        }
        if let Some(g) = gguf_facts(&f.path) {
            facts.architecture_family = facts.architecture_family.or(g.architecture);
            facts.license = facts.license.or(g.license);
            if facts.parameter_count.is_none() {
                facts.parameter_count = g.parameters;
                facts.parameter_source = g.parameters.map(|_| "GGUF tensor infos".to_string());
            }
        }
    }
    facts
}

/// What a GGUF header states: `general.architecture`, `general.license`, and the parameter
/// count summed from the tensor infos.
#[derive(Debug, Default, PartialEq, Eq)]
struct GgufFacts {
    architecture: Option<String>,
    license: Option<String>,
    parameters: Option<u64>,
}

/// Bytes of a GGUF file read to find the header; metadata and tensor infos of real models fit
/// in a few MiB (vocabularies are the bulk).
const MAX_GGUF_HEADER: u64 = 64 << 20;

fn gguf_facts(path: &Path) -> Option<GgufFacts> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_GGUF_HEADER)
        .read_to_end(&mut buf)
        .ok()?;
    parse_gguf(&buf)
}

/// A bounds-checked cursor over GGUF bytes.
struct Cur<'a>(&'a [u8]);

impl<'a> Cur<'a> {
    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        if n > self.0.len() {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u64()?;
        self.take(n)
    }
    /// Skips one value of GGUF type `t`, returning it when it is a string.
    fn value(&mut self, t: u32, depth: u32) -> Option<Option<&'a [u8]>> {
        let fixed = |t: u32| match t {
            0 | 1 | 7 => Some(1u64),
            2 | 3 => Some(2),
            4..=6 => Some(4),
            10..=12 => Some(8),
            _ => None,
        };
        match t {
            8 => Some(Some(self.string()?)),
            9 if depth == 0 => {
                let et = self.u32()?;
                let n = self.u64()?;
                if let Some(sz) = fixed(et) {
                    self.take(n.checked_mul(sz)?)?;
                } else {
                    for _ in 0..n {
                        self.value(et, depth + 1)?;
                    }
                }
                Some(None)
            }
            t => {
                self.take(fixed(t)?)?;
                Some(None)
            }
        }
    }
}

/// Fuzzing entry: parses a GGUF header; true when it was well formed.
#[doc(hidden)]
pub fn parse_gguf_for_fuzzing(data: &[u8]) -> bool {
    parse_gguf(data).is_some()
}

fn parse_gguf(data: &[u8]) -> Option<GgufFacts> {
    let mut c = Cur(data);
    if c.take(4)? != b"GGUF" {
        return None;
    }
    let version = c.u32()?;
    if !(2..=3).contains(&version) {
        return None;
    }
    let tensors = c.u64()?;
    let kvs = c.u64()?;
    let mut facts = GgufFacts::default();
    for _ in 0..kvs {
        let key = c.string()?;
        let t = c.u32()?;
        let v = c.value(t, 0)?;
        let text = || v.map(|b| String::from_utf8_lossy(b).into_owned());
        match key {
            b"general.architecture" => facts.architecture = text(),
            b"general.license" => facts.license = text(),
            _ => {}
        }
    }
    let mut total: u64 = 0;
    for _ in 0..tensors {
        c.string()?;
        let dims = c.u32()?;
        if dims > 8 {
            return Some(facts);
        }
        let mut p: u64 = 1;
        for _ in 0..dims {
            p = p.checked_mul(c.u64()?)?;
        }
        c.u32()?;
        c.u64()?;
        total = total.checked_add(p)?;
    }
    facts.parameters = (tensors > 0).then_some(total);
    Some(facts)
}

/// `license:` from a YAML front-matter block (`---` … `---`) at the top of a model card.
fn front_matter_license(readme: &str) -> Option<String> {
    let mut lines = readme.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    for line in lines {
        let t = line.trim();
        if t == "---" {
            break;
        }
        if let Some(v) = t.strip_prefix("license:") {
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim();
            if !v.is_empty() {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// The parameter count stated by a safetensors header: the sum over tensors of the product of
/// their shapes. `None` when the file is not a well-formed safetensors file.
pub fn safetensors_parameters(path: &Path) -> Option<u64> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let file_len = f.metadata().ok()?.len();
    let mut len = [0u8; 8];
    f.read_exact(&mut len).ok()?;
    let n = u64::from_le_bytes(len);
    if n == 0 || n > MAX_SAFETENSORS_HEADER || n > file_len.saturating_sub(8) {
        return None;
    }
    let mut buf = vec![0u8; n as usize];
    f.read_exact(&mut buf).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&buf).ok()?;
    let mut total: u64 = 0;
    for (name, t) in v.as_object()? {
        if name == "__metadata__" {
            continue;
        }
        let shape = t.get("shape")?.as_array()?;
        let mut p: u64 = 1;
        for d in shape {
            p = p.checked_mul(d.as_u64()?)?;
        }
        total = total.checked_add(p)?;
    }
    Some(total)
}

/// RFC 3339 UTC timestamp (seconds) for a system time, without a date library.
fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// An RFC 4122 (version 4 layout) UUID derived from the given bytes.
fn uuid_from(seed: &[u8]) -> String {
    let h = HashAlgorithm::Sha256.digest(seed);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = to_hex(&b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn severity_rank(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Builds the CycloneDX 1.6 JSON document.
pub fn generate(model: &Path, manifest: &Manifest, input: &BomInput<'_>) -> Result<Vec<u8>> {
    let root = to_hex(&manifest.root_digest());
    let facts = model_facts(model, manifest);
    let alg = manifest.config.hash.cyclonedx_name();
    let model_ref = format!("model:sha256:{root}");

    let mut files = Vec::new();
    let mut total_findings = 0usize;
    let mut max_sev: Option<Severity> = None;
    let mut incomplete = 0usize;
    for f in &manifest.files {
        let items: Vec<_> = manifest.items.iter().filter(|i| i.file == f.rel).collect();
        let mut c = Component {
            type_: "file",
            bom_ref: Some(format!("{model_ref}:file:{}", f.rel)),
            name: f.rel.clone(),
            ..Component::default()
        };
        match manifest.config.method {
            Method::Files => {
                c.hashes = items
                    .iter()
                    .map(|i| Hash {
                        alg,
                        content: to_hex(&i.digest),
                    })
                    .collect();
            }
            // Shard digests are not digests of the file, so they go in properties.
            Method::Shards { .. } => {
                for i in &items {
                    c.properties.push(prop(
                        "mlsec:oms:shard",
                        format!("{}={}", i.name, to_hex(&i.digest)),
                    ));
                }
            }
        }
        c.properties
            .push(prop("mlsec:file:size", f.size.to_string()));
        match input.scans.iter().find(|s| s.file == f.rel) {
            Some(s) => {
                c.properties
                    .push(prop("mlsec:scan:format", s.format.clone()));
                c.properties
                    .push(prop("mlsec:scan:findings", s.findings.len().to_string()));
                c.properties.push(prop(
                    "mlsec:scan:complete",
                    (s.problems.is_empty()).to_string(),
                ));
                for fi in &s.findings {
                    total_findings += 1;
                    if max_sev.is_none_or(|m| severity_rank(fi.severity) > severity_rank(m)) {
                        max_sev = Some(fi.severity);
                    }
                    c.properties.push(prop(
                        "mlsec:scan:finding",
                        format!(
                            "{} {} {}: {}",
                            fi.rule, fi.severity, fi.location, fi.message
                        ),
                    ));
                }
                if !s.problems.is_empty() {
                    incomplete += 1;
                }
                for p in &s.problems {
                    c.properties.push(prop(
                        "mlsec:scan:problem",
                        format!("{} {}: {}", p.kind, p.location, p.message),
                    ));
                }
            }
            None => c.properties.push(prop("mlsec:scan:complete", "false")),
        }
        files.push(c);
    }

    let mut props = vec![
        prop("mlsec:oms:root-digest", format!("sha256:{root}")),
        prop("mlsec:oms:hash", manifest.config.hash.oms_name()),
        prop(
            "mlsec:oms:method",
            match manifest.config.method {
                Method::Files => "files".to_string(),
                Method::Shards { shard_size } => format!("shards:{shard_size}"),
            },
        ),
        prop("mlsec:scan:findings", total_findings.to_string()),
        prop("mlsec:scan:files-not-fully-checked", incomplete.to_string()),
    ];
    if let Some(s) = max_sev {
        props.push(prop("mlsec:scan:max-severity", s.as_str()));
    }
    for p in &manifest.config.ignore_paths {
        props.push(prop("mlsec:oms:ignore-path", p.clone()));
    }
    // The format of the model is the format of its largest file.
    if let Some(biggest) = manifest.files.iter().max_by_key(|f| f.size)
        && let Some(s) = input.scans.iter().find(|s| s.file == biggest.rel)
    {
        props.push(prop("mlsec:model:format", s.format.clone()));
    }
    let mut card_props = Vec::new();
    if let Some(n) = facts.parameter_count {
        card_props.push(prop("mlsec:model:parameter-count", n.to_string()));
        if let Some(src) = &facts.parameter_source {
            card_props.push(prop("mlsec:model:parameter-count-source", src.clone()));
        }
    }
    let params = (facts.architecture.is_some() || facts.architecture_family.is_some()).then(|| {
        ModelParameters {
            architecture_family: facts.architecture_family.clone(),
            model_architecture: facts.architecture.clone(),
        }
    });
    let model_card = (params.is_some() || !card_props.is_empty()).then_some(ModelCard {
        model_parameters: params,
        properties: card_props,
    });
    let licenses = facts
        .license
        .iter()
        .map(|l| LicenseChoice {
            license: match spdx_id(l) {
                Some(id) => License {
                    id: Some(id.into()),
                    name: None,
                },
                None => License {
                    id: None,
                    name: Some(l.clone()),
                },
            },
        })
        .collect();
    let single_file_hash = (manifest.files.len() == 1
        && matches!(manifest.config.method, Method::Files))
    .then(|| {
        manifest.items.first().map(|i| Hash {
            alg,
            content: to_hex(&i.digest),
        })
    })
    .flatten();

    let model_component = Component {
        type_: "machine-learning-model",
        bom_ref: Some(model_ref.clone()),
        name: input.name.clone(),
        version: Some(format!("sha256:{root}")),
        hashes: single_file_hash.into_iter().collect(),
        licenses,
        model_card,
        components: files,
        properties: props,
    };
    let now_seed = input
        .timestamp
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().to_le_bytes().to_vec())
        .unwrap_or_default();
    let bom = Bom {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: uuid_from(&[root.as_bytes(), &now_seed].concat()),
        version: 1,
        metadata: Metadata {
            timestamp: input.timestamp.map(rfc3339),
            tools: Tools {
                components: vec![Component {
                    type_: "application",
                    name: "mlsec".into(),
                    version: Some(input.tool_version.to_string()),
                    ..Component::default()
                }],
            },
            component: model_component,
        },
        components: Vec::new(),
    };
    serde_json::to_vec_pretty(&bom)
        .map_err(|e| Error::InvalidOption(format!("cannot encode the BOM: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_uuids_have_the_schema_shape() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_709_251_199);
        assert_eq!(rfc3339(t), "2024-02-29T23:59:59Z");
        let u = uuid_from(b"x");
        assert_eq!(u.len(), "urn:uuid:".len() + 36);
        assert_eq!(&u[23..24], "4");
    }

    #[test]
    fn front_matter_license_is_read() {
        assert_eq!(
            front_matter_license("---\nlicense: apache-2.0\ntags: [x]\n---\n# M").as_deref(),
            Some("apache-2.0")
        );
        assert_eq!(
            front_matter_license("# no front matter\nlicense: mit"),
            None
        );
        assert_eq!(
            front_matter_license("---\nlicense: \"mit\"\n---"),
            Some("mit".into())
        );
    }

    /// A GGUF v3 header: two metadata keys (one an array of strings) and two tensors.
    pub(crate) fn gguf_bytes() -> Vec<u8> {
        let mut b = b"GGUF".to_vec();
        b.extend(3u32.to_le_bytes());
        b.extend(2u64.to_le_bytes()); // tensors
        b.extend(3u64.to_le_bytes()); // kvs
        let s = |b: &mut Vec<u8>, x: &str| {
            b.extend((x.len() as u64).to_le_bytes());
            b.extend(x.as_bytes());
        };
        s(&mut b, "general.architecture");
        b.extend(8u32.to_le_bytes());
        s(&mut b, "llama");
        s(&mut b, "tokenizer.ggml.tokens");
        b.extend(9u32.to_le_bytes());
        b.extend(8u32.to_le_bytes());
        b.extend(2u64.to_le_bytes());
        s(&mut b, "a");
        s(&mut b, "b");
        s(&mut b, "general.license");
        b.extend(8u32.to_le_bytes());
        s(&mut b, "mit");
        for (name, dims) in [("w", vec![4u64, 8]), ("b", vec![8u64])] {
            s(&mut b, name);
            b.extend((dims.len() as u32).to_le_bytes());
            for d in dims {
                b.extend(d.to_le_bytes());
            }
            b.extend(0u32.to_le_bytes());
            b.extend(0u64.to_le_bytes());
        }
        b
    }

    #[test]
    fn gguf_header_facts_and_truncation() {
        let b = gguf_bytes();
        let f = parse_gguf(&b).unwrap();
        assert_eq!(f.architecture.as_deref(), Some("llama"));
        assert_eq!(f.license.as_deref(), Some("mit"));
        assert_eq!(f.parameters, Some(40));
        for cut in 0..b.len() {
            let _ = parse_gguf(&b[..cut]);
        }
        let mut huge = b.clone();
        huge[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        let _ = parse_gguf(&huge);
    }

    #[test]
    fn safetensors_parameter_count_and_garbage() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m.safetensors");
        let header = br#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[4],"data_offsets":[24,40]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header);
        bytes.extend_from_slice(&[0u8; 40]);
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(safetensors_parameters(&p), Some(10));
        std::fs::write(&p, [0xffu8; 64]).unwrap();
        assert_eq!(safetensors_parameters(&p), None);
        std::fs::write(&p, b"").unwrap();
        assert_eq!(safetensors_parameters(&p), None);
    }
}
