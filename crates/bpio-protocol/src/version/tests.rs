use std::collections::BTreeSet;

use super::*;

fn union(sets: &[&[&'static str]]) -> BTreeSet<&'static str> {
    sets.iter().flat_map(|set| set.iter().copied()).collect()
}

#[test]
fn name_lists_are_the_union_of_every_version() {
    let client = union(&[
        v0::ClientMessage::NAMES,
        v1::ClientMessage::NAMES,
        v2::ClientMessage::NAMES,
        v3::ClientMessage::NAMES,
        v4::ClientMessage::NAMES,
    ]);
    assert_eq!(client, ALL_CLIENT_NAMES.iter().copied().collect());
    assert_eq!(client.len(), ALL_CLIENT_NAMES.len());
    let server = union(&[
        v0::ServerMessage::NAMES,
        v1::ServerMessage::NAMES,
        v2::ServerMessage::NAMES,
        v3::ServerMessage::NAMES,
        v4::ServerMessage::NAMES,
    ]);
    assert_eq!(server, ALL_SERVER_NAMES.iter().copied().collect());
    assert_eq!(server.len(), ALL_SERVER_NAMES.len());
}

fn detect(body: &str) -> Result<Handshake, VersionError> {
    AnyRequestServerInfo::from_body(body).unwrap().detect()
}

#[test]
fn version_is_chosen_by_the_fields_present() {
    let v = |body| detect(body).map(|h| h.version);
    assert_eq!(v(r#"{"Id":1,"ClientName":"a"}"#), Ok(SpecVersion::V0));
    assert_eq!(v(r#"{"Id":1,"ClientName":"a","MessageVersion":0}"#), Ok(SpecVersion::V0));
    assert_eq!(v(r#"{"Id":1,"ClientName":"a","MessageVersion":2}"#), Ok(SpecVersion::V2));
    assert_eq!(v(r#"{"Id":1,"ClientName":"a","MessageVersion":3}"#), Ok(SpecVersion::V3));
    assert_eq!(
        v(r#"{"Id":1,"ClientName":"a","ProtocolVersionMajor":4,"ProtocolVersionMinor":7}"#),
        Ok(SpecVersion::V4)
    );
    assert_eq!(
        v(r#"{"Id":1,"ClientName":"a","MessageVersion":4}"#),
        Err(VersionError::NewMessageVersion { version: 4 })
    );
    assert_eq!(
        v(r#"{"Id":1,"ClientName":"a","ProtocolVersionMajor":3,"ProtocolVersionMinor":0}"#),
        Err(VersionError::OldMajorInV4Shape { major: 3 })
    );
    assert_eq!(
        v(r#"{"Id":1,"ClientName":"a","ProtocolVersionMajor":5,"ProtocolVersionMinor":0}"#),
        Err(VersionError::ClientNewer { major: 5 })
    );
    let both = r#"{"Id":1,"ClientName":"a","MessageVersion":3,"ProtocolVersionMajor":4,"ProtocolVersionMinor":0}"#;
    assert!(AnyRequestServerInfo::from_body(both).is_err());
}

#[test]
fn handshake_keeps_id_name_and_minor() {
    let handshake =
        detect(r#"{"Id":9,"ClientName":"x","ProtocolVersionMajor":4,"ProtocolVersionMinor":2}"#)
            .unwrap();
    assert_eq!(handshake.id.get(), 9);
    assert_eq!(handshake.client_name, "x");
    assert_eq!(handshake.minor, 2);
}
