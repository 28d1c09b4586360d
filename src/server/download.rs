//! File downloads: CSV for Excel, safe to open there.

use std::borrow::Cow;

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

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

/// A CSV download for Excel: UTF-8 with a byte-order mark (Excel opens UTF-8 correctly
/// only with one), every cell neutralised, `filename` as the suggested name.
pub fn csv_download(filename: &str, rows: Vec<Vec<String>>) -> AppResult<Response> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        for row in rows {
            writer.write_record(row.iter().map(|cell| neutralise(cell).into_owned())).map_err(anyhow::Error::from)?;
        }
        writer.flush().map_err(anyhow::Error::from)?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        out,
    )
        .into_response())
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
