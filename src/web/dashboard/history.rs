//! An app's version history as the detail page shows it: each stored version with the
//! top-level fields of the normalized app that differ from the version before it (before and
//! after, cut for display). A pure function of the stored documents.

use serde_json::Value;

use super::view::{Clip, when};
use crate::store::queries::dashboard::VersionRow;

/// One stored version and what changed from the one before it.
#[derive(Debug, Clone)]
pub struct VersionView {
    pub version: i32,
    pub scan_id: i64,
    pub at: String,
    /// (field, before, after); empty for the first version shown.
    pub changes: Vec<(String, Clip, Clip)>,
    /// The first version ever stored.
    pub first: bool,
}

fn field_text(v: Option<&Value>) -> Clip {
    let text = match v {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    Clip::new(&text, 120)
}

/// Versions newest first, each with the top-level fields that differ from the next older one.
pub fn history(rows: &[VersionRow]) -> Vec<VersionView> {
    let docs: Vec<Value> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.document).unwrap_or(Value::Null))
        .collect();
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let changes = match (
                docs[i].as_object(),
                docs.get(i + 1).and_then(Value::as_object),
            ) {
                (Some(new), Some(old)) => {
                    let mut keys: Vec<&String> = new.keys().chain(old.keys()).collect();
                    keys.sort();
                    keys.dedup();
                    keys.into_iter()
                        .filter(|k| new.get(*k) != old.get(*k))
                        .map(|k| {
                            (
                                k.replace('_', " "),
                                field_text(old.get(k)),
                                field_text(new.get(k)),
                            )
                        })
                        .collect()
                }
                _ => Vec::new(),
            };
            VersionView {
                version: r.version,
                scan_id: r.scan_id,
                at: when(r.created_at),
                changes,
                first: r.version == 1,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use serde_json::json;

    #[test]
    fn versions_list_the_fields_that_changed() {
        let row = |v: i32, doc: Value| VersionRow {
            version: v,
            document: doc.to_string(),
            scan_id: i64::from(v),
            created_at: NaiveDateTime::default(),
        };
        let rows = vec![
            row(2, json!({"name": "B", "enabled": true})),
            row(1, json!({"name": "A", "enabled": true})),
        ];
        let h = history(&rows);
        assert_eq!(h[0].changes.len(), 1);
        assert_eq!(h[0].changes[0].0, "name");
        assert_eq!(
            (
                h[0].changes[0].1.full.as_str(),
                h[0].changes[0].2.full.as_str()
            ),
            ("A", "B")
        );
        assert!(h[1].first && h[1].changes.is_empty());
    }
}
