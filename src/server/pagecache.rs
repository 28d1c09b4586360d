//! Public pages served as bytes made once.
//!
//! The pages anyone reads without logging in (the session list with its filters, a
//! session's page, a venue's calendar) change only when the data they show changes. Each
//! is rendered once per *data version* (one request renders, the others asking for it
//! meanwhile wait for that render), compressed once (gzip at its best level, brotli at
//! quality 10 and zstd at level 19, which on the fly would cost too much), and then
//! answered from memory in the coding the client prefers, with an `ETag`, so a repeat
//! visit with `If-None-Match` gets `304 Not Modified`.
//!
//! The data version is a counter that every transaction writing to the tables these
//! pages show bumps in that same transaction (database triggers, migration 0015). A
//! request reads the version first (a read begun after it arrived, shared with the
//! requests that arrived with it) and is only ever answered with a page rendered under
//! that version, so a page is never staler than the data; every instance sharing a
//! PostgreSQL database reads the same counter. The pages also follow the clock (a
//! session that has started leaves the list), so an entry lives within one minute.
//!
//! What a page depends on besides its address — the reader's language and text size — is
//! the `variant` the composition root gives; which paths are public pages is its `public`.
//! The open-data file is kept the same way (a CSV, with the name it is downloaded as).
//! A page that sets a cookie, is not a 200 HTML or CSV answer or is longer than
//! `MAX_PAGE_BYTES` is not kept. A kept page keeps
//! the script nonce of its policy: public pages run no script (Leptos only appends its
//! inert resource list), and everything they show is escaped, so a known nonce opens
//! nothing.

use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, Mutex, RwLock},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use futures::StreamExt;

use super::state::AppState;
use crate::policy::Viewer;

/// At most this many pages are kept per data version: filters in the query make the
/// addresses unbounded, and a visitor sending random queries must not grow memory.
const MAX_PAGES: usize = 2_000;

/// Largest page kept (bytes, uncompressed); the session list at its longest is ~200 KB.
/// A longer answer is passed on as it comes, not kept.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// The composition root's knowledge of the pages: which paths are public pages, and
/// what else than the address a page depends on (language, text size).
#[derive(Clone, Copy)]
pub struct Pages {
    pub public: fn(&str) -> bool,
    pub variant: fn(&HeaderMap) -> String,
}

/// The kept pages of this instance, for one data version and minute at a time.
#[derive(Clone)]
pub struct PageCache {
    pages: Pages,
    kept: Arc<RwLock<Generation>>,
    /// One render at a time per page: when a write makes every kept page old, the many
    /// requests that arrive for a page wait for one render instead of each making it.
    rendering: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// Pages rendered under one data version within one minute.
#[derive(Default)]
struct Generation {
    stamp: (i64, i64),
    pages: HashMap<String, Arc<Kept>>,
}

/// One page in every encoding, with the headers it was answered with.
struct Kept {
    etag: String,
    content_type: HeaderValue,
    content_language: Option<HeaderValue>,
    /// A download's file name (the open-data file).
    disposition: Option<HeaderValue>,
    policy: Option<HeaderValue>,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    zstd: Bytes,
}

/// A content coding a client accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Coding {
    Brotli,
    Zstd,
    Gzip,
    Identity,
}

impl Coding {
    /// The codings of a kept page, in Ippo's order among those a client likes equally:
    /// brotli makes the smallest HTML, zstd nearly so.
    const KEPT: [Coding; 3] = [Coding::Brotli, Coding::Zstd, Coding::Gzip];

    /// Its name in `Accept-Encoding` and `Content-Encoding`.
    fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
            Coding::Gzip => "gzip",
            Coding::Identity => "identity",
        }
    }
}

impl PageCache {
    pub fn new(pages: Pages) -> Self {
        PageCache { pages, kept: Default::default(), rendering: Default::default() }
    }

    /// The turn to render the page `key` (shared by everyone asking for it now).
    fn turn(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut rendering = self.rendering.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        rendering.entry(key.to_string()).or_default().clone()
    }

    fn get(&self, stamp: (i64, i64), key: &str) -> Option<Arc<Kept>> {
        let kept = self.kept.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        (kept.stamp == stamp).then(|| kept.pages.get(key).cloned()).flatten()
    }

    fn put(&self, stamp: (i64, i64), key: String, page: Arc<Kept>) {
        let mut kept = self.kept.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        // A page rendered under an older version never replaces the newer generation.
        if kept.stamp < stamp {
            *kept = Generation { stamp, pages: HashMap::new() };
        }
        if kept.stamp == stamp && kept.pages.len() < MAX_PAGES {
            kept.pages.insert(key, page);
        }
    }
}

/// Middleware: answers a public page from memory when it was rendered under the current
/// data version, else renders it, keeps it and answers it. Everything else passes by.
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &state.pages;
    let cacheable = state.config.page_cache
        && req.method() == Method::GET
        && (cache.pages.public)(req.uri().path())
        && req.extensions().get::<Viewer>().is_none()
        && !req.headers().contains_key(header::AUTHORIZATION);
    if !cacheable {
        return next.run(req).await;
    }
    let Some(version) = data_version(&state).await else { return next.run(req).await };
    let stamp = (version, Utc::now().timestamp() / 60);
    let key = format!("{}\u{0}{}", (cache.pages.variant)(req.headers()), req.uri());
    let coding = preferred_coding(req.headers());
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    if let Some(page) = cache.get(stamp, &key) {
        ::metrics::counter!("ippo_page_cache_total", "result" => "hit").increment(1);
        return answer(&page, coding, if_none_match.as_ref());
    }
    let turn = cache.turn(&key);
    let _rendering = turn.lock().await;
    // The turn is given up however this request ends (answered, failed, or the client gone).
    let _done = DoneRendering { cache, key: &key };
    // Made by the request whose turn came first.
    if let Some(page) = cache.get(stamp, &key) {
        ::metrics::counter!("ippo_page_cache_total", "result" => "hit").increment(1);
        return answer(&page, coding, if_none_match.as_ref());
    }
    ::metrics::counter!("ippo_page_cache_total", "result" => "miss").increment(1);
    let response = next.run(req).await;
    match keep(response).await {
        Ok(page) => {
            let page = Arc::new(page);
            cache.put(stamp, key.clone(), page.clone());
            answer(&page, coding, if_none_match.as_ref())
        }
        Err(response) => response,
    }
}

/// The data version as read after this request arrived, or `None` if the database did
/// not answer. Requests arriving while a read is under way share the next one
/// (`Rounds::share`): a busy page costs one query per round trip to the database, not one
/// per visitor.
async fn data_version(state: &AppState) -> Option<i64> {
    let db = state.db.clone();
    let read = move || {
        let db = db.clone();
        async move { db.data_version().await.ok() }
    };
    state.rounds.share(0, read).await.flatten()
}

/// Forgets the turn of a page once its render is over.
struct DoneRendering<'a> {
    cache: &'a PageCache,
    key: &'a str,
}

impl Drop for DoneRendering<'_> {
    fn drop(&mut self) {
        self.cache.rendering.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(self.key);
    }
}

/// The rendered page made ready to keep, or the response as it was when it may not be kept.
async fn keep(response: Response) -> Result<Kept, Response> {
    let kept_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html") || t.as_bytes().starts_with(b"text/csv"));
    if response.status() != StatusCode::OK
        || !kept_type
        || response.headers().contains_key(header::SET_COOKIE)
        || response.headers().contains_key(header::CONTENT_ENCODING)
    {
        return Err(response);
    }
    let (parts, body) = response.into_parts();
    let mut chunks = body.into_data_stream();
    let (mut held, mut size) = (Vec::new(), 0);
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else { return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()) };
        size += chunk.len();
        held.push(chunk);
        if size > MAX_PAGE_BYTES {
            // Too long to keep (a large city's open-data file): answered as it is made.
            let rest = futures::stream::iter(held.into_iter().map(Ok)).chain(chunks);
            return Err(Response::from_parts(parts, Body::from_stream(rest)));
        }
    }
    let identity = Bytes::from(held.concat());
    let compressed = tokio::task::spawn_blocking({
        let identity = identity.clone();
        move || (gzip(&identity), brotli(&identity), zstd(&identity))
    })
    .await;
    let Ok((gzip, brotli, zstd)) = compressed else {
        return Err(Response::from_parts(parts, Body::from(identity)));
    };
    let digest = {
        use sha2::Digest;
        hex::encode(&sha2::Sha256::digest(&identity)[..8])
    };
    Ok(Kept {
        // Of the bytes alone: a page a write did not change keeps its tag, and a repeat visit its 304.
        etag: format!("\"{digest}"),
        content_type: parts.headers[header::CONTENT_TYPE].clone(),
        content_language: parts.headers.get(header::CONTENT_LANGUAGE).cloned(),
        disposition: parts.headers.get(header::CONTENT_DISPOSITION).cloned(),
        policy: parts.headers.get(header::CONTENT_SECURITY_POLICY).cloned(),
        identity,
        gzip: Bytes::from(gzip),
        brotli: Bytes::from(brotli),
        zstd: Bytes::from(zstd),
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    // Quality 10 with a 256 KiB window: for the 13 KB list page, 1% larger than quality 11
    // in less than a third of the time (3.4 ms against 11.6 ms), and far less memory than
    // the default 4 MiB window, which no page comes near.
    let params = brotli::enc::BrotliEncoderParams { quality: 10, lgwin: 18, ..Default::default() };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    // Level 19 of 22: for the list page a few milliseconds once per version, and within a
    // few percent of brotli's size.
    zstd::bulk::compress(bytes, 19).unwrap_or_default()
}

/// A kept page in the client's coding; `304` when the client holds this very one.
fn answer(page: &Kept, coding: Coding, if_none_match: Option<&HeaderValue>) -> Response {
    // One tag per representation: a cache holding the gzip bytes must not be told they are the brotli ones.
    let etag = format!(
        "{}-{}\"",
        page.etag,
        match coding {
            Coding::Brotli => "br",
            Coding::Zstd => "zst",
            Coding::Gzip => "gz",
            Coding::Identity => "id",
        }
    );
    let mut headers = HeaderMap::new();
    let matched = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    // Each visit asks again (the seats left change), and a repeat visit costs a 304.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding, accept-language, cookie"));
    // A 304 carries the page's policy too: the browser takes a 304's headers into the page
    // it keeps, and without it the outer layer's policy for non-pages would block the page.
    for (name, value) in [
        (header::CONTENT_LANGUAGE, &page.content_language),
        (header::CONTENT_SECURITY_POLICY, &page.policy),
        (header::CONTENT_DISPOSITION, &page.disposition),
    ] {
        if let Some(value) = value {
            headers.insert(name, value.clone());
        }
    }
    if matched {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, page.content_type.clone());
    let body = match coding {
        Coding::Brotli => page.brotli.clone(),
        Coding::Zstd => page.zstd.clone(),
        Coding::Gzip => page.gzip.clone(),
        Coding::Identity => page.identity.clone(),
    };
    if coding != Coding::Identity {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
    }
    (StatusCode::OK, headers, body).into_response()
}

/// The coding the client prefers among those kept (`Accept-Encoding`, RFC 9110 12.5.3):
/// the highest `q` (1 when not given; `*` stands for any coding not named; `q=0` means
/// "not this"), and among equals Ippo's order (`Coding::KEPT`). Identity when none is
/// accepted.
fn preferred_coding(headers: &HeaderMap) -> Coding {
    let weights: Vec<(String, f32)> = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.trim().parse::<f32>().ok());
            (name, q.unwrap_or(1.0).clamp(0.0, 1.0))
        })
        .collect();
    let weight = |coding: Coding| {
        let named = weights.iter().find(|(name, _)| name == coding.token());
        named.or_else(|| weights.iter().find(|(name, _)| name == "*")).map_or(0.0, |(_, q)| *q)
    };
    let mut best = (Coding::Identity, 0.0);
    for coding in Coding::KEPT {
        let q = weight(coding);
        if q > best.1 {
            best = (coding, q);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> Coding {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        preferred_coding(&headers)
    }

    #[test]
    fn the_client_gets_the_best_coding_it_accepts() {
        assert_eq!(accepting("gzip, deflate, br, zstd"), Coding::Brotli);
        assert_eq!(accepting("gzip, deflate"), Coding::Gzip);
        assert_eq!(accepting("br;q=0, gzip;q=0.5"), Coding::Gzip);
        assert_eq!(accepting("identity"), Coding::Identity);
        assert_eq!(preferred_coding(&HeaderMap::new()), Coding::Identity);
        // Where the client prefers one, it gets that one.
        assert_eq!(accepting("zstd;q=1, br;q=0.8, gzip;q=0.5"), Coding::Zstd);
        assert_eq!(accepting("zstd, gzip"), Coding::Zstd);
        assert_eq!(accepting("gzip;q=1.0, br;q=0.9"), Coding::Gzip);
        assert_eq!(accepting("*;q=0.3, br;q=0"), Coding::Zstd);
        assert_eq!(accepting("gzip;q=0, *;q=0"), Coding::Identity);
    }

    #[test]
    fn compressed_pages_come_back_whole() {
        use std::io::Read;
        let page = "<!DOCTYPE html><p>門司市民センター 残り3席</p>".repeat(50);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gzip(page.as_bytes())[..]).read_to_string(&mut unzipped).unwrap();
        assert_eq!(unzipped, page);
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &brotli(page.as_bytes())[..], &mut unbrotli).unwrap();
        assert_eq!(unbrotli, page.as_bytes());
        assert!(brotli(page.as_bytes()).len() < page.len() / 10);
        let unzstd = zstd::bulk::decompress(&zstd(page.as_bytes()), page.len()).unwrap();
        assert_eq!(unzstd, page.as_bytes());
        assert!(zstd(page.as_bytes()).len() < page.len() / 10);
    }
}
