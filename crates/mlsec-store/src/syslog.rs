//! RFC 5424 syslog forwarding of audit events over UDP (RFC 5426, one message per datagram) or
//! TCP (RFC 6587 octet counting, the framing RFC 5425 uses over TLS).
//!
//! TLS is not built in: it would add rustls and ring to every build of the store for one
//! transport. Send to a local relay (rsyslog, syslog-ng, stunnel) that holds the TLS session.

use crate::error::{Result, StoreError};
use crate::event::{Outcome, StoredEvent};
use crate::export::{Format, encode};
use crate::time;
use std::io::Write as _;
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

/// Facility 13, "log audit" (RFC 5424 table 1).
pub const FACILITY_LOG_AUDIT: u8 = 13;

/// Structured-data id. 32473 is the private enterprise number RFC 5612 reserves for
/// documentation; deployments with their own number can override it.
pub const DEFAULT_SD_ID: &str = "mlsec@32473";

/// How messages travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// One datagram per message; lossy, for labs.
    Udp,
    /// A stream with octet-counted frames.
    Tcp,
}

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct SyslogConfig {
    /// `host:port`.
    pub address: String,
    /// UDP or TCP.
    pub transport: Transport,
    /// HOSTNAME field.
    pub hostname: String,
    /// APP-NAME field.
    pub app_name: String,
    /// Facility (0–23).
    pub facility: u8,
    /// Structured-data id.
    pub sd_id: String,
    /// Body of each message: the event JSON, OCSF or CEF.
    pub body: Format,
    /// Product version for OCSF/CEF bodies.
    pub product_version: String,
}

/// Syslog severity of an outcome: refusals and failures stand out from routine success.
pub fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Success => 6, // informational
        Outcome::Denied => 5,  // notice
        Outcome::Failure => 4, // warning
        Outcome::Error => 3,   // error
    }
}

fn sd_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(']', "\\]")
}

/// PRINTUSASCII without spaces, at most `max` characters, or `-`.
fn header_field(s: &str, max: usize) -> String {
    let f: String = s
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if f.is_empty() { "-".into() } else { f }
}

/// Formats one event as an RFC 5424 message (no framing).
pub fn format_message(ev: &StoredEvent, cfg: &SyslogConfig) -> String {
    let e = &ev.event;
    let pri = u16::from(cfg.facility) * 8 + u16::from(severity(e.outcome));
    let mut sd = format!(
        "[{} seq=\"{}\" actor=\"{}\" outcome=\"{}\"",
        header_field(&cfg.sd_id, 32),
        e.seq,
        sd_escape(&e.actor),
        e.outcome.as_str()
    );
    if let Some(m) = &e.model {
        sd.push_str(&format!(" model=\"{}\"", sd_escape(&m.to_string())));
    }
    sd.push(']');
    format!(
        "<{pri}>1 {} {} {} {} {} {sd} {}",
        time::format(e.time),
        header_field(&cfg.hostname, 255),
        header_field(&cfg.app_name, 48),
        std::process::id(),
        header_field(&e.action, 32),
        encode(ev, cfg.body, &cfg.product_version)
    )
}

enum Conn {
    Udp(UdpSocket),
    Tcp(TcpStream),
}

/// A connected forwarder.
pub struct Forwarder {
    conn: Conn,
    cfg: SyslogConfig,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("address", &self.cfg.address)
            .field("transport", &self.cfg.transport)
            .finish_non_exhaustive()
    }
}

impl Forwarder {
    /// Connects (TCP) or binds and targets (UDP).
    pub fn connect(cfg: SyslogConfig) -> Result<Forwarder> {
        let ctx = |what: &str| format!("syslog {what} {}", cfg.address);
        let addr = cfg
            .address
            .to_socket_addrs()
            .map_err(|e| StoreError::Forward {
                context: ctx("resolve"),
                source: e,
            })?
            .next()
            .ok_or_else(|| StoreError::Invalid(format!("{} resolves to nothing", cfg.address)))?;
        let conn = match cfg.transport {
            Transport::Udp => {
                let bind = if addr.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                };
                let s = UdpSocket::bind(bind)
                    .and_then(|s| s.connect(addr).map(|_| s))
                    .map_err(|e| StoreError::Forward {
                        context: ctx("connect (udp)"),
                        source: e,
                    })?;
                Conn::Udp(s)
            }
            Transport::Tcp => {
                let s =
                    TcpStream::connect_timeout(&addr, Duration::from_secs(10)).map_err(|e| {
                        StoreError::Forward {
                            context: ctx("connect (tcp)"),
                            source: e,
                        }
                    })?;
                let _ = s.set_write_timeout(Some(Duration::from_secs(30)));
                Conn::Tcp(s)
            }
        };
        Ok(Forwarder { conn, cfg })
    }

    /// Sends one event.
    pub fn send(&mut self, ev: &StoredEvent) -> Result<()> {
        let msg = format_message(ev, &self.cfg);
        let res = match &mut self.conn {
            Conn::Udp(s) => s.send(msg.as_bytes()).map(|_| ()),
            Conn::Tcp(s) => s.write_all(format!("{} {msg}", msg.len()).as_bytes()),
        };
        res.map_err(|e| StoreError::Forward {
            context: format!("syslog send to {}", self.cfg.address),
            source: e,
        })
    }

    /// Flushes buffered TCP data.
    pub fn flush(&mut self) -> Result<()> {
        if let Conn::Tcp(s) = &mut self.conn {
            s.flush().map_err(|e| StoreError::Forward {
                context: format!("syslog flush to {}", self.cfg.address),
                source: e,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use std::io::Read as _;

    fn cfg(address: String, transport: Transport) -> SyslogConfig {
        SyslogConfig {
            address,
            transport,
            hostname: "build host".into(),
            app_name: "mlsec".into(),
            facility: FACILITY_LOG_AUDIT,
            sd_id: DEFAULT_SD_ID.into(),
            body: Format::Cef,
            product_version: "0.1.0".into(),
        }
    }

    fn ev(seq: u64) -> StoredEvent {
        StoredEvent::from_event(Event {
            seq,
            time: 1_700_000_000_000_000,
            actor: "a\"b]".into(),
            action: "registry.promote".into(),
            model: None,
            outcome: Outcome::Denied,
            payload: serde_json::json!({}),
        })
    }

    #[test]
    fn message_shape() {
        let m = format_message(&ev(3), &cfg("x:1".into(), Transport::Udp));
        // PRI = 13 * 8 + 5.
        assert!(
            m.starts_with("<109>1 2023-11-14T22:13:20.000000Z buildhost mlsec "),
            "{m}"
        );
        assert!(m.contains(" registry.promote [mlsec@32473 seq=\"3\" actor=\"a\\\"b\\]\" outcome=\"denied\"] CEF:0|"), "{m}");
    }

    #[test]
    fn udp_and_tcp_reach_a_local_listener() {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        udp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut f =
            Forwarder::connect(cfg(udp.local_addr().unwrap().to_string(), Transport::Udp)).unwrap();
        f.send(&ev(1)).unwrap();
        let mut buf = [0u8; 4096];
        let n = udp.recv(&mut buf).unwrap();
        assert!(
            std::str::from_utf8(&buf[..n])
                .unwrap()
                .contains("seq=\"1\"")
        );

        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = tcp.local_addr().unwrap().to_string();
        let reader = std::thread::spawn(move || {
            let (mut s, _) = tcp.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut all = String::new();
            s.read_to_string(&mut all).unwrap();
            all
        });
        let mut f = Forwarder::connect(cfg(addr, Transport::Tcp)).unwrap();
        f.send(&ev(1)).unwrap();
        f.send(&ev(2)).unwrap();
        f.flush().unwrap();
        drop(f);
        let got = reader.join().unwrap();
        // Octet counting: "LEN SP MSG" twice, and LEN is exact.
        let (len, rest) = got.split_once(' ').unwrap();
        let len: usize = len.parse().unwrap();
        assert!(rest[..len].contains("seq=\"1\""));
        let (len2, rest2) = rest[len..].split_once(' ').unwrap();
        assert_eq!(rest2.len(), len2.parse::<usize>().unwrap());
        assert!(rest2.contains("seq=\"2\""));
    }
}
