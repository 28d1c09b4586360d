//! File downloads: CSV for Excel, safe to open there, whole or spooled while read.

use std::borrow::Cow;

use axum::{
    body::Body,
    http::header,
    response::{IntoResponse, Response},
};
use futures::{Stream, StreamExt};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;

use super::error::{AppError, AppResult};

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

/// Bytes a spooled CSV gathers in memory before writing them to its file.
const CHUNK: usize = 64 * 1024;

/// A CSV download for Excel (as `csv_download`) of `items`, each written as `row(item)`
/// while it is read. The rows go to an anonymous temporary file (never named on disk, gone
/// when the answer has been sent), so the database is read at its own pace and its
/// connection given back at once however slowly the client downloads, and the server
/// holds at most about `CHUNK` of it in memory however long the file. Errors: the read's
/// or the file's, before anything is sent.
pub async fn csv_spooled<T, E, R>(
    filename: &str,
    header: &[&str],
    mut items: impl Stream<Item = Result<T, E>> + Unpin,
    row: impl Fn(T) -> R,
) -> AppResult<Response>
where
    AppError: From<E>,
    R: IntoIterator<Item = String>,
{
    let mut file = tokio::fs::File::from_std(tempfile::tempfile().map_err(anyhow::Error::from)?);
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(header).map_err(anyhow::Error::from)?;
    while let Some(item) = items.next().await {
        write_row(&mut writer, row(item?)).map_err(anyhow::Error::from)?;
        if writer.get_ref().len() >= CHUNK {
            file.write_all(&written(&mut writer)?).await.map_err(anyhow::Error::from)?;
        }
    }
    file.write_all(&written(&mut writer)?).await.map_err(anyhow::Error::from)?;
    file.rewind().await.map_err(anyhow::Error::from)?;
    Ok((csv_headers(filename), Body::from_stream(ReaderStream::new(file))).into_response())
}

/// What `writer` holds so far, taken out of it.
fn written(writer: &mut csv::Writer<Vec<u8>>) -> AppResult<Vec<u8>> {
    let full = std::mem::replace(writer, csv::Writer::from_writer(Vec::with_capacity(CHUNK)));
    Ok(full.into_inner().map_err(|e| anyhow::Error::from(e.into_error()))?)
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
