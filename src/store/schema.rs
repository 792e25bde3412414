//! Diesel table definitions, shared by both backends (the migrations create the same
//! logical schema on SQLite and PostgreSQL).

diesel::table! {
    tenants (id) {
        id -> BigInt,
        name -> Text,
        provider -> Text,
        source -> Text,
        created_at -> Timestamp,
        last_scan_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        last_success_scan_id -> Nullable<BigInt>,
        baselined_at -> Nullable<Timestamp>,
        stale -> Bool,
        last_error -> Nullable<Text>,
        policy_document -> Nullable<Text>,
        last_evaluated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scans (id) {
        id -> BigInt,
        trigger -> Text,
        status -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        tenants_total -> Integer,
        tenants_failed -> Integer,
        error -> Nullable<Text>,
        fire_time -> Nullable<Timestamp>,
        owner -> Nullable<Integer>,
        finisher -> Nullable<Integer>,
    }
}

diesel::table! {
    scan_jobs (id) {
        id -> BigInt,
        scan_id -> BigInt,
        tenant -> Text,
        position -> Integer,
        status -> Text,
        owner -> Nullable<Integer>,
        lease_until -> Nullable<Timestamp>,
        attempts -> Integer,
        outcome -> Nullable<Text>,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scan_tenants (id) {
        id -> BigInt,
        scan_id -> BigInt,
        tenant_id -> BigInt,
        status -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        apps_seen -> BigInt,
        grants_seen -> BigInt,
        requests -> BigInt,
        rows_written -> BigInt,
        events -> BigInt,
        duration_ms -> BigInt,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    apps (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        external_id -> Text,
        provider -> Text,
        client_id -> Nullable<Text>,
        name -> Text,
        publisher_name -> Nullable<Text>,
        publisher_domain -> Nullable<Text>,
        publisher_verified -> Nullable<Bool>,
        ownership -> Text,
        client_type -> Text,
        app_kind -> Text,
        enabled -> Nullable<Bool>,
        content_hash -> Binary,
        version -> Integer,
        first_seen -> Timestamp,
        last_seen -> Nullable<Timestamp>,
        removed_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        risk_score -> Nullable<SmallInt>,
        risk_band -> Nullable<Text>,
        risk_model -> Nullable<Text>,
        risk_explanation -> Nullable<Text>,
        max_tier -> Nullable<Text>,
    }
}

diesel::table! {
    app_versions (id) {
        id -> BigInt,
        app_id -> BigInt,
        version -> Integer,
        content_hash -> Binary,
        document -> Text,
        scan_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    credentials (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        app_id -> BigInt,
        fingerprint -> Text,
        kind -> Text,
        key_id -> Nullable<Text>,
        hint -> Nullable<Text>,
        display_name -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        never_expires -> Bool,
        first_seen -> Timestamp,
        removed_at -> Nullable<Timestamp>,
        secret_digest -> Nullable<Text>,
    }
}

diesel::table! {
    grants (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        app_id -> BigInt,
        key_digest -> Binary,
        external_id -> Nullable<Text>,
        principal_type -> Text,
        principal_id -> Nullable<Text>,
        principal_email -> Nullable<Text>,
        principal_name -> Nullable<Text>,
        resource -> Nullable<Text>,
        scopes -> Text,
        consent_type -> Text,
        kind -> Text,
        content_hash -> Binary,
        created_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        first_seen -> Timestamp,
        last_seen -> Nullable<Timestamp>,
        removed_at -> Nullable<Timestamp>,
        principal_active -> Nullable<Bool>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        scan_id -> BigInt,
        app_id -> Nullable<BigInt>,
        kind -> Text,
        occurred_at -> Timestamp,
        details -> Text,
        change_seq -> BigInt,
    }
}

diesel::table! {
    findings (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        app_id -> Nullable<BigInt>,
        subject -> Text,
        rule_id -> Text,
        severity -> Text,
        severity_rank -> SmallInt,
        title -> Text,
        evidence -> Text,
        status -> Text,
        suppression_id -> Nullable<BigInt>,
        first_seen -> Timestamp,
        last_seen -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        change_seq -> BigInt,
    }
}

diesel::table! {
    suppressions (id) {
        id -> BigInt,
        rule_id -> Text,
        tenant -> Nullable<Text>,
        app -> Nullable<Text>,
        publisher -> Nullable<Text>,
        reason -> Text,
        owner -> Text,
        expires_at -> Nullable<Timestamp>,
        source -> Text,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    risk_snapshots (id) {
        id -> BigInt,
        scan_id -> BigInt,
        tenant_id -> BigInt,
        model -> Text,
        apps -> BigInt,
        band_low -> BigInt,
        band_medium -> BigInt,
        band_high -> BigInt,
        band_critical -> BigInt,
        mean_score -> Double,
        open_findings -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        key_hash -> Text,
        key_prefix -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    change_counter (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        key_id -> BigInt,
        key_name -> Text,
        action -> Text,
        target -> Text,
        details -> Text,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        principal -> Text,
        display_name -> Text,
        role -> Text,
        api_key_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_flows (id) {
        id -> BigInt,
        flow_hash -> Text,
        state -> Text,
        next_path -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(scan_tenants -> scans (scan_id));
diesel::joinable!(scan_jobs -> scans (scan_id));
diesel::joinable!(scan_tenants -> tenants (tenant_id));
diesel::joinable!(apps -> tenants (tenant_id));
diesel::joinable!(app_versions -> apps (app_id));
diesel::joinable!(credentials -> apps (app_id));
diesel::joinable!(grants -> apps (app_id));
diesel::joinable!(events -> tenants (tenant_id));
diesel::joinable!(findings -> apps (app_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    scans,
    scan_tenants,
    scan_jobs,
    apps,
    app_versions,
    credentials,
    grants,
    events,
    findings,
    suppressions,
    risk_snapshots,
    api_keys,
    change_counter,
    audit_log,
    web_sessions,
    login_flows,
);
