//! The `mlsec` binary: command-line parsing, config loading and wiring.

fn main() {
    println!("mlsec");
}
