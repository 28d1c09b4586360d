//! File downloads: CSV for Excel, safe to open there.

use std::borrow::Cow;

use axum::{
    body::{Body, Bytes},
    http::header,
    response::{IntoResponse, Response},
};
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;

use super::error::AppResult;

/// What a cell may not start with, or Excel reads it as a formula (OWASP, CSV injection):
/// `=`, `+`, `-`, `@`, a tab or a carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as written to a file for Excel: one that would start a formula gets a leading
/// apostrophe, which Excel shows as text and `read_back` removes again.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The value of a cell of a file written by `neutralise` (an export edited and imported back).
pub fn read_back(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// The headers of a CSV download named `filename`.
fn csv_headers(filename: &str) -> [(header::HeaderName, String); 2] {
    [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
    ]
}

/// Writes one row, every cell `neutralise`d.
fn write_row<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = String>,
) -> csv::Result<()> {
    writer.write_record(cells.into_iter().map(|cell| neutralise(&cell).into_owned()))
}

/// Bytes a streamed CSV gathers before sending them on.
const CHUNK: usize = 64 * 1024;
/// Chunks that may wait for a slow client before reading stops until it takes one.
const CHUNKS_WAITING: usize = 4;

/// The writing end of a streamed CSV download (`CsvStream::start`).
pub struct CsvStream {
    writer: csv::Writer<Vec<u8>>,
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

/// The client went away: there is no one to write the rest to.
struct ClientGone;

impl CsvStream {
    /// A CSV download for Excel (as `csv_download`) written while its rows are read: the
    /// response starts at once with the header row and the server holds at most about
    /// `CHUNK` × (`CHUNKS_WAITING` + 1) bytes of it (320 KiB) however long the file is.
    /// Returns the writer for the rows (`copy`) and the response to answer with.
    pub fn start(filename: &str, header: &[&str]) -> (CsvStream, Response) {
        let (sender, mut receiver) = mpsc::channel(CHUNKS_WAITING);
        let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        writer.write_record(header).expect("writing to memory cannot fail");
        let body = futures::stream::poll_fn(move |cx| receiver.poll_recv(cx));
        (CsvStream { writer, sender }, (csv_headers(filename), Body::from_stream(body)).into_response())
    }

    /// Adds one row (its cells neutralised), sending a chunk on when one is full.
    async fn row(&mut self, cells: impl IntoIterator<Item = String>) -> Result<(), ClientGone> {
        write_row(&mut self.writer, cells).expect("writing to memory cannot fail");
        if self.writer.get_ref().len() >= CHUNK {
            self.send().await?;
        }
        Ok(())
    }

    async fn send(&mut self) -> Result<(), ClientGone> {
        let full = std::mem::replace(&mut self.writer, csv::Writer::from_writer(Vec::with_capacity(CHUNK)));
        let chunk = full.into_inner().map_err(|_| ()).expect("writing to memory cannot fail");
        self.sender.send(Ok(Bytes::from(chunk))).await.map_err(|_| ClientGone)
    }

    /// Writes `row(item)` for every item of `items` as it is read, then completes the
    /// download. A read error ends it short instead (the client sees a broken transfer,
    /// never a file that looks complete) and is logged; a client that went away stops the reading.
    pub async fn copy<T, E, R>(mut self, mut items: impl Stream<Item = Result<T, E>> + Unpin, row: impl Fn(T) -> R)
    where
        E: std::fmt::Display,
        R: IntoIterator<Item = String>,
    {
        loop {
            match items.next().await {
                Some(Ok(item)) => {
                    if self.row(row(item)).await.is_err() {
                        return;
                    }
                }
                Some(Err(error)) => {
                    tracing::error!(%error, "a CSV download stopped part-way");
                    let _ = self.sender.send(Err(std::io::Error::other(error.to_string()))).await;
                    return;
                }
                None => break,
            }
        }
        let _ = self.send().await;
    }
}

/// A CSV download for Excel: UTF-8 with a byte-order mark (Excel opens UTF-8 correctly
/// only with one), every cell neutralised, `filename` as the suggested name.
pub fn csv_download(filename: &str, rows: Vec<Vec<String>>) -> AppResult<Response> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        for row in rows {
            write_row(&mut writer, row).map_err(anyhow::Error::from)?;
        }
        writer.flush().map_err(anyhow::Error::from)?;
    }
    Ok((csv_headers(filename), out).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_read_back() {
        for cell in ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let safe = neutralise(cell);
            assert!(safe.starts_with('\''), "{cell:?}");
            assert_eq!(read_back(&safe), cell);
        }
        for cell in ["北九州", "0.8000", "'quoted", ""] {
            assert_eq!(neutralise(cell), cell);
            assert_eq!(read_back(cell), cell);
        }
    }
}
