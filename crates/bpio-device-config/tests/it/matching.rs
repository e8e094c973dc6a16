//! Matching real advertised names and data from the public v5 database.

use bpio_device_config::{
    Advertisement, CompanyData, Layer, MatchKind, Source, Transport, UsbId, Uuid,
};

use crate::support::{signature, v5};

fn btle<'a>(name: &'a str) -> Advertisement<'a> {
    Advertisement::Btle { name, manufacturer_data: &[], services: &[] }
}

#[test]
fn real_names_match_their_protocol_and_features() {
    let config = v5();
    let cases = [
        ("J-VibRipple", "joyhub", "JoyHub Angela", "0:vibrate[0,255] 1:vibrate[0,255]"),
        ("UFO-TW", "vorze-sa", "Vorze UFO TW", "0:rotate[-99,99] 1:rotate[-99,99]"),
        (
            "K12B",
            "galaku",
            "Galaku Little Turtle Stick",
            "0:vibrate[0,100] 1:vibrate[0,100] 2:|battery",
        ),
        ("PiPiJing", "libo-elle", "LiBo Elle", "0:vibrate[0,3]"),
        (
            "NBQ-B619RX",
            "sexverse-v2",
            "Duopeak Saphette",
            "0:oscillate[0,20] 1:vibrate[0,20] 2:vibrate[0,20]",
        ),
        ("A073", "galaku", "Galaku Joy Vibrator", "0:vibrate[0,100] 1:|battery"),
        ("FOFO", "foreo", "Foreo LUNA fofo", "0:vibrate[0,10]"),
        ("LY234A01", "sexverse-v1", "Sexverse Tadpole", "0:vibrate[0,255]"),
        (
            "J-VBarbiep",
            "joyhub",
            "JoyHub VBarbie p",
            "0:vibrate[0,255] 1:vibrate[0,255] 6:temperature[0,1]",
        ),
        ("Rave", "wevibe", "WeVibe Rave", "0:vibrate[0,15]"),
        ("Bach smart", "vorze-sa", "Vorze Bach", "0:vibrate[0,100]"),
        ("Jive", "wevibe", "WeVibe Jive", "0:vibrate[0,15]"),
        ("TAY009", "sexverse-v3", "Sexverse Tay 9", "0:vibrate[0,20]"),
        ("TKLM-C003-BT", "luvmazer", "Luvmazer Cock Ring", "0:vibrate[0,255] 1:vibrate[0,255]"),
        (
            "JXT002",
            "honeyplaybox",
            "Honey Play Box Vibrosa",
            "0:vibrate[0,100] 1:vibrate[0,100] 2:|battery",
        ),
        ("J-Firedragon", "joyhub", "JoyHub Firedragon", "0:oscillate[0,255] 1:vibrate[0,255]"),
        (
            "HPB-393",
            "honeyplaybox",
            "Honey Play Box Oly",
            "0:vibrate[0,100] 1:vibrate[0,100] 2:|battery",
        ),
        ("Echo 2", "svakom-v6", "Svakom Echo 2", "0:vibrate[0,10]"),
        ("GRASP", "lovedistance", "Love Distance Grasp", "0:vibrate[0,121]"),
        ("LUNA 3", "foreo", "Foreo LUNA 3", "0:vibrate[0,10]"),
        (
            "G336",
            "galaku",
            "Galaku The Second Generation of Vitality Bird",
            "0:vibrate[0,100] 1:|battery",
        ),
        ("GX16", "galaku", "Galaku Vitality Strawberry", "0:vibrate[0,100] 1:|battery"),
        (
            "J-Diego",
            "joyhub",
            "JoyHub Diego",
            "0:oscillate[0,255] 1:vibrate[0,255] 5:temperature[0,1]",
        ),
        ("BEAR_MINI", "foreo", "Foreo BEAR mini", "0:vibrate[0,10]"),
        ("HH010", "sexverse-v2", "Sexverse HH010", "0:oscillate[0,20] 1:vibrate[0,20]"),
        ("Meese-V389", "meese", "Meese Tera", "0:vibrate[0,10] 1:vibrate[0,3]"),
        ("TKLM-W001-BT", "luvmazer", "Luvmazer Finger Magic", "0:vibrate[0,255] 1:rotate[0,255]"),
        ("Tiani Twist", "lelo-harmony", "Lelo Tiani Twist", "0:vibrate[0,100]"),
        (
            "Sam Neo 2 Pro",
            "svakom-sam2",
            "Svakom Sam Neo 2 Pro",
            "0:vibrate[0,10] 1:constrict[0,5]",
        ),
        (
            "AK71",
            "galaku",
            "Adorime Anal Vibrator 2",
            "0:oscillate[0,100] 1:vibrate[0,100] 2:|battery",
        ),
        ("G228", "galaku", "Galaku Little Dolphin", "0:vibrate[0,100] 1:vibrate[0,100] 2:|battery"),
        ("Yuyi", "libo-vibes", "Libo Feather", "0:vibrate[0,99]"),
    ];
    for (name, protocol, device, features) in cases {
        let found =
            config.find(&btle(name), "AA:BB").unwrap_or_else(|| panic!("{name} matched nothing"));
        assert_eq!(
            (found.protocol, found.name(), found.source),
            (protocol, device, Source::Configuration),
            "{name}"
        );
        assert_eq!(signature(&found.definition.features), features, "{name}");
        assert_eq!(found.timing_gap_ms(Transport::Btle.default_gap_ms()), 75, "{name}");
    }
}

#[test]
fn wildcard_names_match_by_prefix() {
    let config = v5();
    for (name, protocol, device) in [
        ("LVS-Lush3", "lovense", "Lovense Device"),
        ("LOVE-Domi", "lovense", "Lovense Device"),
        ("SF Pro 2", "satisfyer", "Satisfyer Device"),
        ("OHD_hw2_1234", "thehandy-v3", "The Handy (FW4+)"),
        ("FM-100", "fmachine", "F-Machine Device"),
    ] {
        let candidates = config.candidates(&btle(name));
        assert_eq!(candidates[0].protocol, protocol, "{name}");
        assert_eq!((candidates[0].kind, candidates[0].layer), (MatchKind::Wildcard, Layer::Base));
        let found = config.find(&btle(name), "addr").unwrap();
        assert_eq!((found.protocol, found.source), (protocol, Source::Defaults), "{name}");
        assert_eq!(found.name(), device, "{name}");
    }
    let handy = config.find(&btle("OHD_hw0_x"), "addr").unwrap();
    assert_eq!(handy.timing_gap_ms(75), 50);
    assert!(config.candidates(&btle("LV")).is_empty());
}

#[test]
fn manufacturer_data_matches_company_and_contained_bytes() {
    let config = v5();
    let check = |data: &[CompanyData<'_>], protocol: &str| {
        let seen = Advertisement::Btle { name: "unnamed", manufacturer_data: data, services: &[] };
        let candidates = config.candidates(&seen);
        assert_eq!(
            candidates.first().map(|c| (c.protocol, c.kind)),
            Some((protocol, MatchKind::ManufacturerData))
        );
    };
    check(&[CompanyData { company: 26698, data: &[9, 9] }], "fluffer");
    check(&[CompanyData { company: 93, data: &[7, 0, 0, 40, 1] }], "satisfyer");
    check(&[CompanyData { company: 620, data: &[255, 33] }], "lovense");
    check(&[CompanyData { company: 39, data: &[83, 86, 65, 1] }], "svakom-iker");
    let no_match = Advertisement::Btle {
        name: "unnamed",
        manufacturer_data: &[CompanyData { company: 93, data: &[0, 0, 41] }],
        services: &[],
    };
    assert!(config.candidates(&no_match).is_empty());
}

#[test]
fn advertised_services_match() {
    let config = v5();
    let lush: Uuid = "5a300001-0024-4bd4-bbd5-a6920e4c5653".parse().unwrap();
    let seen = Advertisement::Btle { name: "renamed", manufacturer_data: &[], services: &[lush] };
    let found = config.find(&seen, "addr").unwrap();
    assert_eq!((found.protocol, found.name()), ("lovense", "Lovense Device"));
    let adrien: Uuid = "00001320-0000-1000-8000-00805f9b34fb".parse().unwrap();
    let seen =
        Advertisement::Btle { name: "whatever", manufacturer_data: &[], services: &[adrien] };
    assert_eq!(config.candidates(&seen)[0].protocol, "adrienlastic");
    assert_eq!(config.candidates(&seen)[0].kind, MatchKind::AdvertisedService);
}

#[test]
fn exact_name_outranks_other_rules() {
    let config = v5();
    let lush: Uuid = "5a300001-0024-4bd4-bbd5-a6920e4c5653".parse().unwrap();
    let seen = Advertisement::Btle { name: "Jive", manufacturer_data: &[], services: &[lush] };
    let protocols: Vec<_> = config.candidates(&seen).iter().map(|c| (c.protocol, c.kind)).collect();
    assert_eq!(
        protocols,
        [("wevibe", MatchKind::Exact), ("lovense", MatchKind::AdvertisedService)]
    );
}

#[test]
fn other_transports() {
    let config = v5();
    let hid = config.candidates(&Advertisement::Hid(UsbId { vendor_id: 8020, product_id: 1 }));
    assert_eq!(hid[0].protocol, "realtouch");
    let usb = config.candidates(&Advertisement::Usb(UsbId { vendor_id: 2889, product_id: 1615 }));
    assert_eq!(usb[0].protocol, "rez-trancevibrator");
    assert!(
        config
            .candidates(&Advertisement::Hid(UsbId { vendor_id: 2889, product_id: 1615 }))
            .is_empty()
    );
    // Base serial rules name the placeholder port "default", which no real port has.
    assert!(config.candidates(&Advertisement::Serial { port: "/dev/ttyUSB0" }).is_empty());
    let pads: Vec<_> =
        config.candidates(&Advertisement::Gamepad).iter().map(|c| c.protocol).collect();
    assert_eq!(pads, ["sdl-gamepad", "xinput"]);
    let connect = config.candidates(&Advertisement::LovenseConnect);
    assert_eq!(connect[0].protocol, "lovense-connect-service");
    let sim = config
        .find(&Advertisement::Simulated { identifier: "simulated-stroker" }, "sim-1")
        .unwrap();
    assert_eq!((sim.protocol, sim.source), ("simulated", Source::Configuration));
    assert!(config.find(&btle("Definitely Not A Toy"), "addr").is_none());
}

#[test]
fn device_list_object() {
    let config = v5();
    let found = config.find(&btle("J-VBarbiep"), "addr").unwrap();
    let device = found.to_protocol_device(3, found.timing_gap_ms(75));
    let json = serde_json::to_value(&device).unwrap();
    assert_eq!(json["DeviceIndex"], 3);
    assert_eq!(json["DeviceName"], "JoyHub VBarbie p");
    assert_eq!(json["DeviceMessageTimingGap"], 75);
    assert_eq!(
        json["DeviceFeatures"]["0"]["Output"]["Vibrate"]["Value"],
        serde_json::json!([0, 255])
    );
    assert_eq!(
        json["DeviceFeatures"]["6"]["Output"]["Temperature"]["Value"],
        serde_json::json!([0, 1])
    );
    assert!(json.get("DeviceDisplayName").is_none());
    let lovense = config.resolve("a", "lovense", Some("EL")).unwrap().to_protocol_device(0, 75);
    let battery =
        serde_json::to_value(&lovense).unwrap()["DeviceFeatures"]["2"]["Input"]["Battery"].clone();
    assert_eq!(battery, serde_json::json!({"Value": [[0, 100]], "Command": ["Read"]}));
}
