//! Renders a stored `mlsec.drift/v1` JSON document as the HTML report.
//!
//! ```text
//! cargo run -p mlsec-report --example drift_html -- drift.json drift.html
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: drift_html DRIFT.json OUT.html");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(input) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{input}: {e}");
            return ExitCode::from(2);
        }
    };
    let doc: serde_json::Value = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{input}: not JSON: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::write(output, mlsec_report::html::drift::render(&doc)) {
        eprintln!("{output}: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
