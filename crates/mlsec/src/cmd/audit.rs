//! `mlsec audit`: read, prove, verify, export and forward the audit log.

use crate::record::{self, StoreArgs};
use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use mlsec_core::Digest;
use mlsec_store::export::{self, Format};
use mlsec_store::proof::{ConsistencyProofJson, InclusionProofJson};
use mlsec_store::syslog::{self, Forwarder, SyslogConfig, Transport};
use mlsec_store::{EventFilter, HeadJson, NewEvent, Outcome, PublicKey, VerifyOptions};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// The tamper-evident audit log: every recorded event is a leaf of a signed Merkle tree.
#[derive(ClapArgs, Debug)]
#[command(after_long_help = AUDIT_HELP)]
pub struct Args {
    #[command(subcommand)]
    command: Command,

    #[command(flatten)]
    store: StoreArgs,
}

const AUDIT_HELP: &str = concat!(
    "\
Exit status: 0 ok, 1 verification failed (tampering or damage found), 2 error.

Examples:
  mlsec audit log --model sha256:… --since 2026-01-01
  mlsec audit head > head-2026-06-01.json     # publish it somewhere the store's host cannot write
  mlsec audit verify --against head-2026-06-01.json
  mlsec audit proof 42 > proof.json
  mlsec audit export --format ocsf > events.ocsf.jsonl
  mlsec audit forward --to tcp://siem.example:601 --format cef

",
    store_help!()
);

#[derive(Subcommand, Debug)]
enum Command {
    /// List events (oldest first), filtered by model, actor, action or time
    Log(LogArgs),
    /// Print an inclusion proof for one event (JSON, checkable with any RFC 6962 code)
    Proof(ProofArgs),
    /// Print a consistency proof between two tree sizes
    Consistency(ConsistencyArgs),
    /// Print the newest signed tree head (JSON with a C2SP checkpoint)
    Head(HeadArgs),
    /// Recompute the whole log from raw events and check it against signed heads
    Verify(VerifyArgs),
    /// Write events as JSON lines, OCSF or CEF
    Export(ExportArgs),
    /// Send events to a syslog receiver (RFC 5424 over UDP or TCP)
    Forward(ForwardArgs),
    /// Record an event by hand (scripts, CI steps, load and durability drills)
    Record(RecordEventArgs),
}

#[derive(ClapArgs, Debug)]
struct LogArgs {
    /// Only events about this model digest
    #[arg(long, value_name = "DIGEST")]
    model: Option<String>,
    /// Only events by this actor
    #[arg(long = "by", value_name = "ACTOR")]
    by: Option<String>,
    /// Only this action (`registry.*` matches a prefix)
    #[arg(long, value_name = "ACTION")]
    action: Option<String>,
    /// At or after this time (RFC 3339 or YYYY-MM-DD, UTC)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Before this time (RFC 3339 or YYYY-MM-DD, UTC)
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// At most N events
    #[arg(long, short = 'n', value_name = "N")]
    limit: Option<u64>,
    /// Print the event JSON bodies instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(ClapArgs, Debug)]
struct ProofArgs {
    /// Event sequence number
    event: u64,
    /// Prove against the head of this tree size [default: newest]
    #[arg(long, value_name = "N")]
    tree_size: Option<u64>,
}

#[derive(ClapArgs, Debug)]
struct ConsistencyArgs {
    /// Older tree size
    old: u64,
    /// Newer tree size [default: current]
    new: Option<u64>,
}

#[derive(ClapArgs, Debug)]
struct HeadArgs {
    /// Print only the C2SP checkpoint text
    #[arg(long)]
    checkpoint: bool,
}

#[derive(ClapArgs, Debug)]
struct VerifyArgs {
    /// A head exported earlier (`mlsec audit head`); the store must still extend it
    #[arg(long, value_name = "HEAD.json")]
    against: Vec<PathBuf>,
    /// Trusted public key (ed25519:BASE64) to check head signatures with
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ExportFormat {
    /// One event body per line (SHA-256(0x00 || line) is its leaf hash)
    Jsonl,
    /// OCSF 1.3 JSON, one event per line
    Ocsf,
    /// ArcSight CEF, one event per line
    Cef,
}

impl From<ExportFormat> for Format {
    fn from(f: ExportFormat) -> Format {
        match f {
            ExportFormat::Jsonl => Format::Jsonl,
            ExportFormat::Ocsf => Format::Ocsf,
            ExportFormat::Cef => Format::Cef,
        }
    }
}

#[derive(ClapArgs, Debug)]
struct ExportArgs {
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Jsonl)]
    format: ExportFormat,
    /// Start at this sequence number
    #[arg(long, value_name = "SEQ")]
    from_seq: Option<u64>,
    /// Write to FILE instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(ClapArgs, Debug)]
struct ForwardArgs {
    /// Receiver: udp://HOST:PORT or tcp://HOST:PORT (TLS: use a local relay such as stunnel)
    #[arg(long, value_name = "URL")]
    to: String,
    /// Message body
    #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Cef)]
    format: ExportFormat,
    /// Start at this sequence number
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    from_seq: u64,
    /// Keep running and forward new events as they are appended
    #[arg(long)]
    follow: bool,
    /// Structured-data id (NAME@PEN) for the event fields
    #[arg(long, default_value = syslog::DEFAULT_SD_ID)]
    sd_id: String,
}

#[derive(ClapArgs, Debug)]
struct RecordEventArgs {
    /// Action name, dotted lowercase (e.g. `deploy.approve`)
    #[arg(long)]
    action: String,
    /// Outcome
    #[arg(long, value_parser = ["success", "failure", "denied", "error"], default_value = "success")]
    outcome: String,
    /// Model digest the event concerns
    #[arg(long, value_name = "DIGEST")]
    model: Option<String>,
    /// JSON payload
    #[arg(long, value_name = "JSON")]
    payload: Option<String>,
    /// Append N events one after another, printing each sequence number once it is committed
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: u64,
}

fn parse_time(s: &str) -> Result<i64> {
    mlsec_store::time::parse(s).with_context(|| {
        format!(
            "`{s}` is not a time\nhint: use RFC 3339 (2026-01-02T03:04:05Z) or a date (2026-01-02)"
        )
    })
}

fn parse_digest(s: &str) -> Result<Digest> {
    Digest::parse(s).map_err(|e| anyhow::anyhow!("{e}\nhint: digests look like sha256:<64 hex>"))
}

fn stdout_line(s: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) ends the listing quietly.
    let _ = writeln!(out, "{s}");
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let mut store = record::open(&args.store)?;
    match &args.command {
        Command::Log(a) => {
            let filter = EventFilter {
                model: a.model.as_deref().map(parse_digest).transpose()?,
                actor: a.by.clone(),
                action: a.action.clone(),
                since: a.since.as_deref().map(parse_time).transpose()?,
                until: a.until.as_deref().map(parse_time).transpose()?,
                from_seq: None,
                limit: a.limit,
            };
            for e in store.events(&filter)? {
                if a.json {
                    stdout_line(&e.body);
                } else {
                    let ev = &e.event;
                    stdout_line(&format!(
                        "{:>6}  {}  {:<8}  {:<20}  {:<24}  {}",
                        ev.seq,
                        mlsec_store::time::format(ev.time),
                        ev.outcome,
                        ev.action,
                        ev.actor,
                        ev.model.as_ref().map_or("-".into(), |m| m.to_string())
                    ));
                }
            }
        }
        Command::Proof(a) => {
            let p = store.inclusion_proof(a.event, a.tree_size)?;
            let key = store
                .recorded_key()?
                .context("the store has no signing key recorded yet")?;
            stdout_line(&serde_json::to_string_pretty(&InclusionProofJson::new(
                &p, &key,
            ))?);
        }
        Command::Consistency(a) => {
            let p = store.consistency_proof(a.old, a.new)?;
            stdout_line(&serde_json::to_string_pretty(&ConsistencyProofJson::new(
                &p,
            ))?);
        }
        Command::Head(a) => {
            let head = store
                .head()?
                .context("the store is empty: no head has been signed yet")?;
            let key = store
                .recorded_key()?
                .context("the store has no signing key recorded yet")?;
            if a.checkpoint {
                print!("{}", head.to_note(&key));
            } else {
                stdout_line(&serde_json::to_string_pretty(&HeadJson::new(&head, &key))?);
            }
        }
        Command::Verify(a) => return verify(&mut store, a),
        Command::Export(a) => {
            let mut out: Box<dyn std::io::Write> = match &a.output {
                Some(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("cannot create {}", p.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut next = a.from_seq.unwrap_or(0);
            loop {
                let page = store.events(&EventFilter {
                    from_seq: Some(next),
                    limit: Some(5000),
                    ..Default::default()
                })?;
                let Some(last) = page.last() else { break };
                next = last.event.seq + 1;
                for e in &page {
                    writeln!(
                        out,
                        "{}",
                        export::encode(e, a.format.into(), env!("CARGO_PKG_VERSION"))
                    )?;
                }
            }
            out.flush()?;
        }
        Command::Forward(a) => forward(&mut store, a)?,
        Command::Record(a) => {
            let outcome = Outcome::parse(&a.outcome).context("unknown outcome")?;
            let payload: serde_json::Value = match &a.payload {
                Some(p) => serde_json::from_str(p).context("--payload is not valid JSON")?,
                None => serde_json::json!({}),
            };
            let model = a.model.as_deref().map(parse_digest).transpose()?;
            let actor = record::actor(&args.store);
            for i in 0..a.repeat {
                let mut ev = NewEvent::new(&actor, &a.action, outcome).payload(payload.clone());
                ev.model = model.clone();
                if a.repeat > 1 {
                    ev.payload["repeat"] = serde_json::json!(i);
                }
                let r = store.append(ev)?;
                // Printed only after the commit returned: a durability drill counts these.
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}", r.seq)?;
                out.flush()?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(store: &mut mlsec_store::Store, a: &VerifyArgs) -> Result<ExitCode> {
    let mut against = Vec::new();
    for p in &a.against {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        let h: HeadJson = serde_json::from_str(&text)
            .with_context(|| format!("{} is not an mlsec tree head", p.display()))?;
        against.push(h);
    }
    let key = match &a.key {
        Some(k) => Some(PublicKey::decode(k).context("--key is not ed25519:BASE64")?),
        None => None,
    };
    let report = store.verify(&VerifyOptions {
        against,
        key,
        update_pin: true,
    })?;
    if a.json {
        let issues: Vec<_> = report
            .issues
            .iter()
            .map(|i| serde_json::json!({"kind": i.kind.as_str(), "seq": i.seq, "message": i.message}))
            .collect();
        stdout_line(&serde_json::to_string_pretty(&serde_json::json!({
            "schema": "mlsec.audit-verify/v1",
            "ok": report.ok(),
            "events": report.events,
            "heads": report.heads,
            "root_hash": mlsec_core::digest::to_hex(&report.root),
            "key": report.key.map(|k| k.encode()),
            "key_source": format!("{:?}", report.key_source).to_lowercase(),
            "issues": issues,
            "notes": report.notes,
        }))?);
    } else {
        for i in &report.issues {
            stdout_line(&format!("{}: {}", i.kind.as_str(), i.message));
        }
        for n in &report.notes {
            eprintln!("note: {n}");
        }
        if report.ok() {
            stdout_line(&format!(
                "ok: {} events and {} signed heads recomputed from the raw events; root {}",
                report.events,
                report.heads,
                mlsec_core::digest::to_hex(&report.root)
            ));
        } else {
            stdout_line(&format!(
                "FAILED: {} problem(s) in {} events",
                report.issues.len(),
                report.events
            ));
        }
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn forward(store: &mut mlsec_store::Store, a: &ForwardArgs) -> Result<()> {
    let (transport, address) = if let Some(r) = a.to.strip_prefix("udp://") {
        (Transport::Udp, r)
    } else if let Some(r) = a.to.strip_prefix("tcp://") {
        (Transport::Tcp, r)
    } else if a.to.starts_with("tls://") {
        bail!(
            "TLS syslog is not built in\nhint: forward over tcp:// to a local relay (rsyslog, stunnel) that speaks TLS to the SIEM"
        );
    } else {
        bail!(
            "--to must be udp://HOST:PORT or tcp://HOST:PORT, not `{}`",
            a.to
        );
    };
    let hostname = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "-".into());
    let mut fwd = Forwarder::connect(SyslogConfig {
        address: address.to_string(),
        transport,
        hostname,
        app_name: "mlsec".into(),
        facility: syslog::FACILITY_LOG_AUDIT,
        sd_id: a.sd_id.clone(),
        body: a.format.into(),
        product_version: env!("CARGO_PKG_VERSION").into(),
    })?;
    let mut next = a.from_seq;
    let mut sent = 0u64;
    loop {
        let page = store.events(&EventFilter {
            from_seq: Some(next),
            limit: Some(1000),
            ..Default::default()
        })?;
        for e in &page {
            fwd.send(e)?;
            sent += 1;
        }
        fwd.flush()?;
        match page.last() {
            Some(last) => next = last.event.seq + 1,
            None if a.follow => std::thread::sleep(std::time::Duration::from_millis(500)),
            None => break,
        }
    }
    eprintln!(
        "mlsec: forwarded {sent} events to {}; next --from-seq {next}",
        a.to
    );
    Ok(())
}
