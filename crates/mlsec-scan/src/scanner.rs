//! The public entry point: scan a file (memory-mapped) or a byte slice.

use crate::ctx::Ctx;
use crate::limits::Limits;
use crate::policy::Policy;
use mlsec_core::{Finding, Problem, ProblemKind, Severity};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files at most this big are read into memory; larger ones are memory-mapped so that only the
/// parts a reader touches are paged in (a safetensors header, a zip directory, pickle members).
/// Measured on the scanner corpus: mapping from 256 KiB instead of 1 MiB saves a tenth of a
/// one-shot scan (fewer fresh pages to fault in and copy); smaller thresholds gained nothing.
const READ_THRESHOLD: u64 = 1 << 18;

/// The result of scanning one file.
#[derive(Debug)]
pub struct FileReport {
    /// The path as given (or the display name for in-memory scans).
    pub path: String,
    /// Size of the file in bytes.
    pub size: u64,
    /// Formats recognised: (container chain, format), outermost first.
    pub formats: Vec<(String, &'static str)>,
    /// Findings after policy overrides and waivers.
    pub findings: Vec<Finding>,
    /// Findings the policy waived, with the waiver's reason.
    pub waived: Vec<(Finding, String)>,
    /// What could not be fully checked.
    pub problems: Vec<Problem>,
}

impl FileReport {
    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// True when every byte the readers needed was checked.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }

    /// The format of the file itself (the outermost one recognised).
    pub fn format(&self) -> &'static str {
        self.formats.first().map(|(_, f)| *f).unwrap_or("unknown")
    }
}

/// Errors that stop a file from being scanned at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The path could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A configured scanner. Cheap to share across threads.
#[derive(Debug, Default)]
pub struct Scanner {
    limits: Limits,
    policy: Policy,
}

impl Scanner {
    /// A scanner with these limits and policy.
    pub fn new(limits: Limits, policy: Policy) -> Scanner {
        Scanner { limits, policy }
    }

    /// The policy in force (waiver use counts accumulate on it).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Scans the file at `path`. I/O failures after opening become problems in the report;
    /// only a file that cannot be opened at all is an error.
    pub fn scan_path(&self, path: &Path) -> Result<FileReport, ScanError> {
        let io = |source| ScanError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        let display = path.display().to_string();
        if size <= READ_THRESHOLD {
            // Exactly the size `fstat` gave (usually one `read`): reading on to a zero-length
            // read would cost a second system call per file, and bytes appended after the
            // `fstat` could be appended after any read just as well.
            let mut buf = vec![0; size as usize];
            let mut got = 0;
            while got < buf.len() {
                match (&file).read(&mut buf[got..]) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(io(e)),
                }
            }
            buf.truncate(got);
            return Ok(self.scan_bytes(&display, &buf));
        }
        match map(&file) {
            Ok(m) => Ok(self.scan_bytes(&display, &m)),
            Err(e) => {
                let mut ctx = Ctx::new(&self.limits, &self.policy, display.clone());
                ctx.problem(
                    ProblemKind::Io,
                    None,
                    format!("cannot memory-map the file: {e}"),
                );
                Ok(self.finish(display, size, ctx))
            }
        }
    }

    /// Scans bytes already in memory; `name` is what reports show as the path.
    pub fn scan_bytes(&self, name: &str, data: &[u8]) -> FileReport {
        let mut ctx = Ctx::new(&self.limits, &self.policy, name.to_string());
        crate::dispatch::scan(&mut ctx, data);
        self.finish(name.to_string(), data.len() as u64, ctx)
    }

    fn finish(&self, path: String, size: u64, ctx: Ctx<'_>) -> FileReport {
        let state = ctx.state;
        let (mut findings, waived) = self.policy.apply(state.findings);
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.rule.cmp(b.rule)));
        FileReport {
            path,
            size,
            formats: state.formats,
            findings,
            waived,
            problems: state.problems,
        }
    }
}

#[allow(unsafe_code)]
fn map(file: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and lives only for this scan. If another process truncates
    // the file meanwhile, reads may fault (SIGBUS) — the same trade-off ripgrep makes; model
    // files are not expected to change under a scanner, and copying multi-GB checkpoints into
    // memory instead would cost far more.
    unsafe { memmap2::MmapOptions::new().map(file) }
}
