//! A real SMTP server on loopback that keeps what it receives, for tests to read.

use std::{sync::Arc, time::Duration};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::{Mutex, Notify},
    task::JoinHandle,
};

#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    /// The message with quoted-printable soft breaks and encodings undone enough to search text.
    pub fn text(&self) -> String {
        decode_body(&self.data)
    }

    /// The attached calendar file: its part's `Content-Type` and its text.
    pub fn calendar(&self) -> Option<(String, String)> {
        let (_, body) = self.data.split_once("\n\n")?;
        body.split("\n--").find_map(|part| {
            let (headers, content) = part.split_once("\n\n")?;
            let content_type = unfolded_header(headers, "content-type")?;
            content_type
                .to_ascii_lowercase()
                .starts_with("text/calendar")
                .then(|| (content_type, decode_part(headers, content)))
        })
    }

    /// A header of the message, unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        unfolded_header(self.data.split_once("\n\n").map_or(self.data.as_str(), |(h, _)| h), name)
    }
}

fn unfolded_header(headers: &str, name: &str) -> Option<String> {
    let unfolded = headers.replace("\n ", " ").replace("\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (key, value) = l.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_string())
    })
}

#[derive(Clone, Default)]
pub struct Inbox {
    mails: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
    /// Recipients this server refuses for good (550), and each refused attempt.
    refuse: Arc<Vec<String>>,
    refused: Arc<Mutex<Vec<String>>>,
    /// How long the server takes to accept each message after its data (a slow relay).
    delay: Duration,
}

impl Inbox {
    /// An inbox whose server refuses these recipients with "550 no such user".
    pub fn refusing(recipients: &[&str]) -> Inbox {
        Inbox { refuse: Arc::new(recipients.iter().map(|r| r.to_string()).collect()), ..Default::default() }
    }

    /// An inbox whose server takes `delay` to accept each message.
    pub fn slow(delay: Duration) -> Inbox {
        Inbox { delay, ..Default::default() }
    }

    pub async fn all(&self) -> Vec<ReceivedMail> {
        self.mails.lock().await.clone()
    }

    /// Every refused RCPT TO, in order.
    pub async fn refused(&self) -> Vec<String> {
        self.refused.lock().await.clone()
    }

    /// Waits until at least `n` mails have arrived, or fails after `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.arrived.notified();
            {
                let mails = self.mails.lock().await;
                if mails.len() >= n {
                    return mails.clone();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let got = self.mails.lock().await.len();
                panic!("expected {n} mails within {within:?}, got {got}");
            }
        }
    }
}

pub struct SmtpSink {
    pub port: u16,
    pub inbox: Inbox,
    task: JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_on(0, Inbox::default()).await
    }

    /// Starts on a given port (to bring a "down" server back up) with a given inbox.
    pub async fn start_on(port: u16, inbox: Inbox) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind smtp sink");
        let port = listener.local_addr().unwrap().port();
        let shared = inbox.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let inbox = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, inbox).await;
                });
            }
        });
        SmtpSink { port, inbox, task }
    }
}

/// A free loopback port with nothing listening on it (an SMTP server that is down).
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

async fn serve(socket: tokio::net::TcpStream, inbox: Inbox) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut to = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?;
        } else if upper.starts_with("MAIL FROM") {
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO") {
            let addr = line[8..].trim().trim_start_matches(':').trim().trim_matches(|c| c == '<' || c == '>');
            if inbox.refuse.iter().any(|r| r == addr) {
                inbox.refused.lock().await.push(addr.to_string());
                inbox.arrived.notify_waiters();
                write.write_all(b"550 5.1.1 no such user\r\n").await?;
                continue;
            }
            to.push(addr.to_string());
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            while let Some(l) = lines.next_line().await? {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                data.push('\n');
            }
            inbox.mails.lock().await.push(ReceivedMail { to: to.clone(), data });
            inbox.arrived.notify_waiters();
            tokio::time::sleep(inbox.delay).await;
            write.write_all(b"250 queued\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"250 OK\r\n").await?;
        }
    }
    Ok(())
}

/// Decodes base64 and quoted-printable text parts well enough for assertions.
fn decode_body(raw: &str) -> String {
    let (headers, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let mut out = format!("{headers}\n");
    let boundary = headers.split("boundary=").nth(1).map(|b| b.trim().trim_matches('"').to_string());
    if let Some(boundary) = boundary.filter(|_| headers.to_ascii_lowercase().contains("multipart/")) {
        // Split on the message's own boundary: a text part may hold a "--" line (a signature).
        for part in body.split(&format!("--{boundary}")) {
            if let Some((part_headers, content)) = part.split_once("\n\n") {
                out.push_str(&decode_part(part_headers, content));
            }
        }
    } else {
        out.push_str(&decode_part(headers, body));
    }
    out
}

fn decode_part(headers: &str, content: &str) -> String {
    use base64::Engine;
    let lower = headers.to_ascii_lowercase();
    if lower.contains("content-transfer-encoding: base64") {
        let joined: String = content.lines().take_while(|l| !l.is_empty() && !l.starts_with("--")).collect();
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(joined.trim()) {
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    if lower.contains("quoted-printable") {
        return decode_qp(content);
    }
    content.to_string()
}

/// Quoted-printable: soft breaks (`=` at a line's end) joined, `=XX` decoded, and each
/// remaining line break the CRLF it stands for (the sink keeps lines without their CR).
fn decode_qp(s: &str) -> String {
    let joined = s.replace("=\n", "").replace('\n', "\r\n");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
