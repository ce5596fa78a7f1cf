//! End to end: black-box attacks through the OIP v2 client against a small v2 server started in
//! the test (std TcpListener), serving the breast-cancer logistic regression.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::reference;
use mlsec_redteam::evasion::Bounds;
use mlsec_redteam::hsj::{HsjConfig, hop_skip_jump};
use mlsec_redteam::model::Classifier;
use mlsec_redteam::remote::{RemoteModel, RemoteOptions};
use mlsec_redteam::square::{SquareConfig, square_attack};
use serde_json::{Value, json};

const KEY: &str = "s3cret";

/// Serves `/v2/models/bc` (metadata and infer); answers 429 to the second infer request to
/// exercise the client's retry; `labels` makes it answer argmax labels only.
fn serve(labels: bool) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    std::thread::spawn(move || {
        let model = reference("bc").model;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let (mut len, mut auth) = (0usize, String::new());
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => len = v.trim().parse().unwrap(),
                    "authorization" => auth = v.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0u8; len];
            reader.read_exact(&mut body).unwrap();
            let n = count.fetch_add(1, Ordering::SeqCst);
            let (status, resp) = if auth != format!("Bearer {KEY}") {
                (401, json!({"error": "missing or wrong API key"}))
            } else if line.starts_with("GET /v2/models/bc ") {
                (
                    200,
                    json!({"name": "bc", "platform": "onnx", "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 30]}],
                             "outputs": [{"name": "probs", "datatype": "FP32", "shape": [-1, 2]}]}),
                )
            } else if line.starts_with("POST /v2/models/bc/infer ") && n == 2 {
                (429, json!({"error": "slow down"}))
            } else if line.starts_with("POST /v2/models/bc/infer ") {
                let req: Value = serde_json::from_slice(&body).unwrap();
                let inp = &req["inputs"][0];
                assert_eq!(inp["name"], "x");
                assert_eq!(inp["datatype"], "FP32");
                let x: Vec<f32> = inp["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
                    .collect();
                let rows = inp["shape"][0].as_u64().unwrap() as usize;
                assert_eq!(x.len(), rows * 30);
                let p = model.predict_proba(&x).unwrap();
                if labels {
                    let l: Vec<i64> = p.chunks(2).map(|r| (r[1] > r[0]) as i64).collect();
                    (
                        200,
                        json!({"model_name": "bc", "outputs": [{"name": "label", "datatype": "INT64", "shape": [rows], "data": l}]}),
                    )
                } else {
                    (
                        200,
                        json!({"model_name": "bc", "outputs": [
                        {"name": "label", "datatype": "INT64", "shape": [rows], "data": vec![0; rows]},
                        {"name": "probs", "datatype": "FP32", "shape": [rows, 2], "data": p}]}),
                    )
                }
            } else {
                (404, json!({"error": "no such model"}))
            };
            let text = resp.to_string();
            let reason = match status {
                200 => "OK",
                401 => "Unauthorized",
                429 => "Too Many Requests",
                _ => "Not Found",
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (format!("http://{addr}/v2/models/bc"), requests)
}

fn opts(key: Option<&str>) -> RemoteOptions {
    RemoteOptions {
        api_key: key.map(str::to_string),
        backoff: Duration::from_millis(5),
        batch: 64,
        n_classes: Some(2),
        ..RemoteOptions::default()
    }
}

#[test]
fn square_through_oip_v2_matches_local_and_retries_429() {
    let (url, requests) = serve(false);
    let err = RemoteModel::connect(&url, opts(Some("wrong")))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("HTTP 401") && err.contains("--api-key"),
        "{err}"
    );

    let remote = RemoteModel::connect(&url, opts(Some(KEY))).unwrap();
    assert_eq!((remote.n_features(), remote.n_classes()), (30, 2));
    assert!(!remote.labels_only());
    let r = reference("bc");
    let (x, y) = (&r.x_test[..20 * 30], &r.y_test[..20]);
    let b = Bounds::uniform(30, 0.0, 1.0);
    let cfg = SquareConfig {
        eps: 0.1,
        max_iter: 100,
        seed: 7,
        ..SquareConfig::default()
    };
    let before = requests.load(Ordering::SeqCst);
    let via = square_attack(&remote, x, y, &b, &cfg).unwrap();
    let local = square_attack(&r.model, x, y, &b, &cfg).unwrap();
    // f32 values survive the JSON round trip exactly, so the attack takes the same path.
    assert_eq!(via.adv, local.adv);
    assert_eq!(via.queries, local.queries);
    assert!(via.fooled.iter().any(|f| *f));
    assert!(requests.load(Ordering::SeqCst) > before);
}

#[test]
fn label_only_endpoint_runs_hop_skip_jump() {
    let (url, _) = serve(true);
    let remote = RemoteModel::connect(&url, opts(Some(KEY))).unwrap();
    assert!(remote.labels_only());
    let r = reference("bc");
    let (x, y) = (&r.x_test[..5 * 30], &r.y_test[..5]);
    let b = Bounds::uniform(30, 0.0, 1.0);
    let cfg = HsjConfig {
        max_iter: 3,
        seed: 1,
        ..HsjConfig::default()
    };
    let via = hop_skip_jump(&remote, x, y, &r.x_train, &r.y_train, &b, &cfg).unwrap();
    let local = hop_skip_jump(&r.model, x, y, &r.x_train, &r.y_train, &b, &cfg).unwrap();
    assert_eq!(via.dist, local.dist);
    assert!(via.dist.iter().any(|d| d.is_some()));
}
