//! `oa-risk-v1` tests (being written).
