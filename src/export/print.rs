//! `oauth-audit findings`: stored findings on stdout as a table, one JSON array in the API's
//! finding shape, or OCSF NDJSON, read page by page through the API's store query.

use std::io::Write;

use super::finding::FindingDoc;
use super::ocsf;
use crate::cli::FindingsFormat;
use crate::store::Store;
use crate::store::queries::After;
use crate::store::queries::findings::FindingFilter;

/// Findings read per query.
const BATCH: i64 = 1000;

/// Widest title printed in the table (provider text is cut, never wrapped).
const TITLE_WIDTH: usize = 60;

/// Why printing stopped.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot encode: {0}")]
    Json(#[from] serde_json::Error),
}

/// Print every finding matching `filter` in `format`.
pub fn print_findings(
    store: &Store,
    filter: &FindingFilter,
    format: FindingsFormat,
) -> Result<(), PrintError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut after = After::Start;
    let mut first = true;
    if let FindingsFormat::Json = format {
        write!(out, "[")?;
    }
    if let FindingsFormat::Table = format {
        writeln!(
            out,
            "{:>8}  {:<8} {:<13} {:<16} {:<10} {:<28} title",
            "id", "severity", "rule", "tenant", "status", "app"
        )?;
    }
    loop {
        let rows = store.list_findings(filter, after, BATCH)?;
        let Some(last) = rows.last() else { break };
        after = After::Id(last.id);
        for doc in rows.iter().map(FindingDoc::from_view) {
            match format {
                FindingsFormat::Json => {
                    if !first {
                        write!(out, ",")?;
                    }
                    write!(out, "\n{}", serde_json::to_string(&doc)?)?;
                }
                FindingsFormat::Ocsf => out.write_all(ocsf::ndjson_line(&doc).as_bytes())?,
                FindingsFormat::Table => writeln!(out, "{}", table_row(&doc))?,
            }
            first = false;
        }
        if (rows.len() as i64) < BATCH {
            break;
        }
    }
    if let FindingsFormat::Json = format {
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
    }
    out.flush()?;
    Ok(())
}

/// One table line; control characters in provider text are shown as spaces.
fn table_row(f: &FindingDoc) -> String {
    let clean = |s: &str, width: usize| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(width)
            .collect()
    };
    let app = f
        .app
        .as_ref()
        .map(|a| a.name.as_str())
        .unwrap_or("(tenant)");
    format!(
        "{:>8}  {:<8} {:<13} {:<16} {:<10} {:<28} {}",
        f.id,
        f.severity,
        clean(&f.rule_id, 13),
        clean(&f.tenant, 16),
        f.status,
        clean(app, 28),
        clean(&f.title, TITLE_WIDTH)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_stay_on_one_line_whatever_the_provider_sent() {
        let f = FindingDoc {
            id: 1,
            rule_id: "PKCE-001".into(),
            severity: "high".into(),
            title: "t".into(),
            tenant: "contoso".into(),
            provider: "entra".into(),
            app: Some(super::super::finding::FindingApp {
                id: 2,
                client_id: None,
                name: "evil\nname\r\u{1b}[31m".into(),
                publisher: None,
            }),
            evidence: serde_json::value::to_raw_value(&serde_json::json!({})).unwrap(),
            remediation: Box::leak(serde_json::value::to_raw_value("").unwrap()),
            references: Box::leak(serde_json::value::to_raw_value(&[""; 0]).unwrap()),
            status: "open".into(),
            suppression_id: None,
            first_seen: chrono::DateTime::UNIX_EPOCH,
            last_seen: chrono::DateTime::UNIX_EPOCH,
            resolved_at: None,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        };
        let row = table_row(&f);
        assert!(!row.contains('\n') && !row.contains('\r') && !row.contains('\u{1b}'));
    }
}
