//! A remote model behind the Open Inference Protocol v2 (KServe v2 / Triton / MLServer / `mlsec
//! serve`) over HTTP, as a [`Classifier`], so every black-box attack runs against a deployed
//! endpoint unchanged.
//!
//! `connect` reads the model metadata (`GET {base}`) for the input name and feature count, then
//! sends one probe row to see what the model answers: a floating-point `[n, k]` output (the one
//! whose name mentions "prob" if several) is taken as class probabilities; if the endpoint only
//! answers integer labels, they are turned into one-hot rows and [`RemoteModel::labels_only`]
//! says so (score-based attacks then see flat margins; use the label-only attacks).
//!
//! Requests: `POST {base}/infer` with `{"inputs":[{"name","shape":[n,d],"datatype":"FP32",
//! "data":[...]}]}`, `Authorization: Bearer KEY` when a key is given, at most `batch` rows per
//! request, a global timeout per request, and retries with exponential backoff (honouring
//! `Retry-After`) on 429, 502, 503 and 504 and on connection failures.

use std::time::Duration;

use serde_json::Value;

use crate::model::{Classifier, ModelError};

/// Connection settings.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    /// API key sent as `Authorization: Bearer KEY`.
    pub api_key: Option<String>,
    /// Rows per request.
    pub batch: usize,
    /// Timeout of one request (connect, send and receive).
    pub timeout: Duration,
    /// Retries after a 429/502/503/504 or a connection failure.
    pub retries: u32,
    /// First backoff delay (doubled on each retry).
    pub backoff: Duration,
    /// Feature count when the metadata does not give it.
    pub n_features: Option<usize>,
    /// Class count when the endpoint answers labels only.
    pub n_classes: Option<usize>,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            api_key: None,
            batch: 256,
            timeout: Duration::from_secs(30),
            retries: 4,
            backoff: Duration::from_millis(200),
            n_features: None,
            n_classes: None,
        }
    }
}

/// Largest response body read (64 MiB).
const MAX_BODY: u64 = 64 << 20;

/// An OIP v2 model endpoint.
#[derive(Debug)]
pub struct RemoteModel {
    agent: ureq::Agent,
    base: String,
    input_name: String,
    output_name: String,
    labels_only: bool,
    n_features: usize,
    n_classes: usize,
    opts: RemoteOptions,
}

/// Splits `http(s)://host[:port]/v2/models/NAME[/versions/V]` and checks its shape.
pub fn parse_url(url: &str) -> Result<String, ModelError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| ModelError::Remote(format!("{url}: expected an http:// or https:// URL")))?;
    if url.starts_with("https://") && !cfg!(feature = "https") {
        return Err(ModelError::Remote(format!(
            "{url}: this build has no TLS support\nhint: rebuild with `--features mlsec-redteam/https`"
        )));
    }
    let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let ok = parts.len() >= 4
        && parts[1] == "v2"
        && parts[2] == "models"
        && !parts[3].is_empty()
        && (parts.len() == 4 || (parts.len() == 6 && parts[4] == "versions"));
    if !ok {
        return Err(ModelError::Remote(format!(
            "{url}: expected http(s)://HOST/v2/models/NAME[/versions/VERSION]"
        )));
    }
    Ok(url.trim_end_matches('/').to_string())
}

impl RemoteModel {
    /// Connects to the model at `url` (`http(s)://host/v2/models/NAME`).
    pub fn connect(url: &str, opts: RemoteOptions) -> Result<Self, ModelError> {
        let base = parse_url(url)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        let mut m = RemoteModel {
            agent,
            base,
            input_name: "input".into(),
            output_name: String::new(),
            labels_only: false,
            n_features: opts.n_features.unwrap_or(0),
            n_classes: opts.n_classes.unwrap_or(0),
            opts,
        };
        // Metadata is optional in practice (some gateways do not route it): a 404/405 falls back
        // to the options; any other failure (authentication, network) is reported.
        let meta = match m.request("GET", &m.base.clone(), None) {
            Ok(v) => Some(v),
            Err(ModelError::Remote(e)) if e.contains("HTTP 404") || e.contains("HTTP 405") => None,
            Err(e) => return Err(e),
        };
        if let Some(meta) = meta
            && let Some(inp) = meta["inputs"].as_array().and_then(|a| a.first())
        {
            if let Some(n) = inp["name"].as_str() {
                m.input_name = n.to_string();
            }
            if let Some(d) = inp["shape"]
                .as_array()
                .and_then(|s| s.last())
                .and_then(Value::as_i64)
                .filter(|&d| d > 0)
                && m.opts.n_features.is_none()
            {
                m.n_features = d as usize;
            }
        }
        if m.n_features == 0 {
            return Err(ModelError::Remote(format!(
                "{}: the metadata gives no input width\nhint: pass the feature count",
                m.base
            )));
        }
        // Probe one row to learn the output to read.
        let resp = m.infer_raw(&vec![0.0; m.n_features], 1)?;
        let outs = resp["outputs"].as_array().cloned().unwrap_or_default();
        let float_out = |o: &&Value| {
            matches!(o["datatype"].as_str(), Some("FP32" | "FP64" | "FP16"))
                && o["shape"]
                    .as_array()
                    .is_some_and(|s| s.len() == 2 && s[1].as_i64().unwrap_or(0) >= 2)
        };
        let prob = outs
            .iter()
            .filter(float_out)
            .find(|o| {
                o["name"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains("prob"))
            })
            .or_else(|| outs.iter().find(float_out));
        if let Some(o) = prob {
            m.output_name = o["name"].as_str().unwrap_or("").to_string();
            m.n_classes = o["shape"][1].as_i64().unwrap_or(0) as usize;
        } else if let Some(o) = outs.iter().find(|o| {
            o["datatype"]
                .as_str()
                .is_some_and(|t| t.starts_with("INT") || t.starts_with("UINT"))
        }) {
            m.output_name = o["name"].as_str().unwrap_or("").to_string();
            m.labels_only = true;
            if m.n_classes < 2 {
                return Err(ModelError::Remote(format!(
                    "{}: the endpoint answers labels only ({}), so the class count is unknown\nhint: pass the number of classes",
                    m.base, m.output_name
                )));
            }
        } else {
            return Err(ModelError::Remote(format!(
                "{}: no probability ([n, k] float) or label (integer) output in the response",
                m.base
            )));
        }
        Ok(m)
    }

    /// Whether the endpoint answers labels only (probabilities are one-hot).
    pub fn labels_only(&self) -> bool {
        self.labels_only
    }

    /// The model URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    fn request(&self, method: &str, url: &str, body: Option<&str>) -> Result<Value, ModelError> {
        let mut attempt = 0;
        loop {
            let result = if method == "GET" {
                let mut r = self.agent.get(url);
                if let Some(k) = &self.opts.api_key {
                    r = r.header("Authorization", &format!("Bearer {k}"));
                }
                r.call()
            } else {
                let mut r = self
                    .agent
                    .post(url)
                    .header("Content-Type", "application/json");
                if let Some(k) = &self.opts.api_key {
                    r = r.header("Authorization", &format!("Bearer {k}"));
                }
                r.send(body.unwrap_or("").as_bytes())
            };
            let delay = self.opts.backoff * 2u32.saturating_pow(attempt);
            match result {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(|s| Duration::from_secs(s.min(30)));
                    let text = resp
                        .body_mut()
                        .with_config()
                        .limit(MAX_BODY)
                        .read_to_string()
                        .map_err(|e| {
                            ModelError::Remote(format!("{method} {url}: reading the response: {e}"))
                        })?;
                    if matches!(status, 429 | 502 | 503 | 504) && attempt < self.opts.retries {
                        std::thread::sleep(retry_after.unwrap_or(delay));
                        attempt += 1;
                        continue;
                    }
                    if !(200..300).contains(&status) {
                        let msg = serde_json::from_str::<Value>(&text)
                            .ok()
                            .and_then(|v| v["error"].as_str().map(str::to_string))
                            .unwrap_or_else(|| text.chars().take(200).collect());
                        let hint = match status {
                            401 | 403 => "\nhint: pass --api-key or set MLSEC_API_KEY",
                            404 => "\nhint: check the model name in the URL",
                            _ => "",
                        };
                        return Err(ModelError::Remote(format!(
                            "{method} {url}: HTTP {status}: {msg}{hint}"
                        )));
                    }
                    return serde_json::from_str(&text).map_err(|e| {
                        ModelError::Remote(format!("{method} {url}: the response is not JSON: {e}"))
                    });
                }
                Err(e) => {
                    let transient = matches!(
                        e,
                        ureq::Error::Io(_)
                            | ureq::Error::ConnectionFailed
                            | ureq::Error::Timeout(_)
                    );
                    if transient && attempt < self.opts.retries {
                        std::thread::sleep(delay);
                        attempt += 1;
                        continue;
                    }
                    return Err(ModelError::Remote(format!("{method} {url}: {e}")));
                }
            }
        }
    }

    fn infer_raw(&self, x: &[f32], n: usize) -> Result<Value, ModelError> {
        let body = serde_json::json!({
            "inputs": [{
                "name": self.input_name,
                "shape": [n, self.n_features],
                "datatype": "FP32",
                "data": x,
            }]
        })
        .to_string();
        self.request("POST", &format!("{}/infer", self.base), Some(&body))
    }

    fn infer_batch(&self, x: &[f32]) -> Result<Vec<f32>, ModelError> {
        let n = x.len() / self.n_features;
        let resp = self.infer_raw(x, n)?;
        let out = resp["outputs"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|o| o["name"].as_str() == Some(&self.output_name))
            })
            .ok_or_else(|| {
                ModelError::Remote(format!(
                    "{}: output {} missing from the response",
                    self.base, self.output_name
                ))
            })?;
        let data = flatten(&out["data"]);
        let k = self.n_classes;
        if self.labels_only {
            if data.len() != n {
                return Err(ModelError::Remote(format!(
                    "{}: {} labels for {n} rows",
                    self.base,
                    data.len()
                )));
            }
            let mut p = vec![0.0f32; n * k];
            for (i, l) in data.iter().enumerate() {
                let c = *l as usize;
                if *l < 0.0 || c >= k {
                    return Err(ModelError::Remote(format!(
                        "{}: label {l} is outside 0..{k}",
                        self.base
                    )));
                }
                p[i * k + c] = 1.0;
            }
            Ok(p)
        } else {
            if data.len() != n * k {
                return Err(ModelError::Remote(format!(
                    "{}: {} probabilities for {n} rows of {k} classes",
                    self.base,
                    data.len()
                )));
            }
            Ok(data.into_iter().map(|v| v as f32).collect())
        }
    }
}

fn flatten(v: &Value) -> Vec<f64> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<f64>) {
        match v {
            Value::Array(a) => a.iter().for_each(|e| walk(e, out)),
            Value::Number(n) => out.push(n.as_f64().unwrap_or(f64::NAN)),
            Value::Bool(b) => out.push(*b as u8 as f64),
            _ => out.push(f64::NAN),
        }
    }
    walk(v, &mut out);
    out
}

impl Classifier for RemoteModel {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn predict_proba(&self, x: &[f32]) -> Result<Vec<f32>, ModelError> {
        if !x.len().is_multiple_of(self.n_features) {
            return Err(ModelError::Input(format!(
                "{} values are not a whole number of rows of {} features",
                x.len(),
                self.n_features
            )));
        }
        let mut out = Vec::with_capacity(x.len() / self.n_features * self.n_classes);
        for chunk in x.chunks(self.n_features * self.opts.batch.max(1)) {
            out.extend(self.infer_batch(chunk)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_shapes() {
        assert!(parse_url("http://h:8080/v2/models/m").is_ok());
        assert!(parse_url("http://h/v2/models/m/versions/3/").is_ok());
        assert!(parse_url("http://h/v1/models/m").is_err());
        assert!(parse_url("ftp://h/v2/models/m").is_err());
        assert!(parse_url("http://h/v2/models/").is_err());
    }
}
