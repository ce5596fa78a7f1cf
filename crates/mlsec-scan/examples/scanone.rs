use std::path::Path;
fn main() {
    let s = mlsec_scan::Scanner::default();
    let verbose = std::env::var("V").is_ok();
    for p in std::env::args().skip(1) {
        let t = std::time::Instant::now();
        let r = s.scan_path(Path::new(&p)).unwrap();
        let el = t.elapsed();
        println!(
            "== {} [{:?}] max={:?} {:?}",
            p,
            r.format(),
            r.max_severity(),
            el
        );
        for f in &r.findings {
            println!(
                "  F {} {} {} @{} : {}",
                f.rule, f.severity, f.confidence, f.location, f.message
            );
        }
        for pb in &r.problems {
            println!("  P {} @{} : {}", pb.kind, pb.location, pb.message);
        }
        if verbose {
            for (c, f) in &r.formats {
                println!("  fmt {} => {}", c, f);
            }
        }
    }
}
