//! Ids the provider returned, placed in URL paths as exactly one segment.

use crate::error::ConnectorError;

/// `value` (an id the provider returned) as one URL path segment: every byte outside RFC 3986's
/// unreserved set is percent-encoded, so a hostile id cannot add segments, a query or a
/// fragment; `.` and `..` (which would climb the path) and the empty id are refused.
pub fn path_segment(value: &str) -> Result<String, ConnectorError> {
    if matches!(value, "" | "." | "..") {
        return Err(ConnectorError::malformed(format!(
            "an object id ({:?}) cannot be used in a URL path",
            crate::redact::bound_str(value, 64)
        )));
    }
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn hostile_ids_stay_one_path_segment() {
        assert_eq!(path_segment("0oa9i6uh-_.~").unwrap(), "0oa9i6uh-_.~");
        assert_eq!(
            path_segment("../admin?x=1#f").unwrap(),
            "..%2Fadmin%3Fx%3D1%23f"
        );
        assert_eq!(path_segment("%2e%2e").unwrap(), "%252e%252e");
        assert_eq!(path_segment("é").unwrap(), "%C3%A9");
        for bad in ["", ".", ".."] {
            assert_eq!(path_segment(bad).unwrap_err().kind, ErrorKind::Malformed);
        }
        let base = url::Url::parse("https://acme.test/api/").unwrap();
        let url = base.join(&format!(
            "users/{}/grants",
            path_segment("../../x").unwrap()
        ));
        assert_eq!(url.unwrap().path(), "/api/users/..%2F..%2Fx/grants");
    }
}
