//! Stable string names of the model's unit enums: the same names serde uses, for places that
//! store or compare them as text (database columns, filters) without serializing.

use super::{
    AppKind, ClientType, ConsentType, CredentialKind, GrantKind, Ownership, PkceStatus,
    PolicySource, RedirectKind,
};

macro_rules! names {
    ($($ty:ident { $($variant:ident => $name:literal),+ $(,)? })+) => {$(
        impl $ty {
            /// The stable name (as serialized).
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }
    )+
    #[cfg(test)]
    mod tests {
        use super::*;
        #[test]
        fn names_match_serde() {
            $($(
                assert_eq!(serde_json::to_value($ty::$variant).ok(), Some(serde_json::Value::from($name)));
            )+)+
        }
    }
    };
}

names! {
    Ownership { FirstParty => "first_party", ThirdParty => "third_party", Unknown => "unknown" }
    ClientType { Public => "public", Confidential => "confidential", Unknown => "unknown" }
    AppKind { Native => "native", Spa => "spa", Web => "web", Service => "service", Device => "device", Unknown => "unknown" }
    RedirectKind { Web => "web", Spa => "spa", Native => "native", Unknown => "unknown" }
    PkceStatus { Required => "required", Optional => "optional", NotSupported => "not_supported", Unknown => "unknown" }
    CredentialKind { Secret => "secret", Certificate => "certificate", PrivateKeyJwt => "private_key_jwt", ApiToken => "api_token" }
    ConsentType { User => "user", Admin => "admin", Unknown => "unknown" }
    GrantKind { Delegated => "delegated", Application => "application" }
    PolicySource { Client => "client", Policy => "policy", TenantDefault => "tenant_default", ProviderDefault => "provider_default" }
}
